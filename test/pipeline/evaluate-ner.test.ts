/**
 * eval and predict of a token-classification model: a model from `tinybert create` with
 * `"head": "token-classification"` and id2label evaluates right away, prints precision / recall / f1
 * as --json, writes conlleval lines for every input token, and predicts entities with character
 * offsets; on the real PD-NER dev file every token of every sentence gets a prediction line.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { createModelDir } from '../../src/checkpoint/create.js';
import { evaluateModelDir } from '../../src/pipeline/evaluate.js';
import { readSentences } from '../../src/tasks/token-classification/formats.js';
import { expectUserError, tinybert } from '../helpers/cli.js';
import { DATA, describeData } from '../helpers/shared.js';

const TAGS = ['B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC', 'O'];
const tiny = (vocabSize: number) => ({
  model_type: 'bert', vocab_size: vocabSize, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32,
  max_position_embeddings: 64, head: 'token-classification', id2label: Object.fromEntries(TAGS.map((t, i) => [String(i), t])),
});

const dir = mkdtempSync(join(tmpdir(), 'tb-eval-ner-'));
const SENTENCES = [
  [['张', 'B-PER'], ['三', 'I-PER'], ['在', 'O'], ['北', 'B-LOC'], ['京', 'I-LOC']],
  [['我', 'O'], ['去', 'O'], ['上', 'B-LOC'], ['海', 'I-LOC'], ['银', 'B-ORG'], ['行', 'I-ORG'], ['了', 'O']],
  [['好', 'O']],
];

beforeAll(() => {
  const chars = [...new Set(SENTENCES.flat().map((r) => r[0]!))];
  writeFileSync(join(dir, 'vocab.txt'), `${['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...chars].join('\n')}\n`);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(tiny(5 + chars.length)));
  writeFileSync(join(dir, 'dev.conll'), `${SENTENCES.map((s) => s.map((r) => r.join(' ')).join('\n')).join('\n\n')}\n`);
  writeFileSync(join(dir, 'texts.txt'), '张三在北京\n\n我去上海银行了\n');
});

describe('a token-classification model from tinybert create', () => {
  it('evaluates right away: --json prints precision, recall and f1, --predictions writes one line per input token', () => {
    expect(tinybert('create', '--config', join(dir, 'config.json'), '--out', join(dir, 'model'), '--vocab', join(dir, 'vocab.txt')).code).toBe(0);
    const out = join(dir, 'pred.txt');
    const r = tinybert('eval', join(dir, 'model'), '--data', join(dir, 'dev.conll'), '--json', '--predictions', out);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.examples).toBe(3);
    expect(result.labels).toEqual(TAGS);
    for (const k of ['precision', 'recall', 'f1', 'accuracy']) {
      expect(result.metrics[k], k).toBeGreaterThanOrEqual(0);
      expect(result.metrics[k], k).toBeLessThanOrEqual(1);
    }
    const blocks = readFileSync(out, 'utf8').trimEnd().split('\n\n');
    expect(blocks).toHaveLength(3);
    blocks.forEach((b, i) => {
      const rows = b.split('\n').map((l) => l.split(' '));
      expect(rows.map((row) => row.slice(0, 2))).toEqual(SENTENCES[i]);
      for (const row of rows) expect(TAGS).toContain(row[2]);
    });
  });

  it('predicts entities with character offsets into each input line', () => {
    const r = tinybert('predict', join(dir, 'model'), '--input', join(dir, 'texts.txt'));
    expect(r.code, r.stderr).toBe(0);
    const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((x) => x.text)).toEqual(['张三在北京', '我去上海银行了']);
    for (const { text, entities } of records) {
      for (const e of entities) {
        expect(text.slice(e.start, e.end)).toBe(e.text);
        expect(['PER', 'ORG', 'LOC']).toContain(e.type);
      }
    }
  });

  it('refuses a format of another task kind, naming the formats the model reads', () => {
    expectUserError(tinybert('eval', join(dir, 'model'), '--data', join(dir, 'dev.conll'), '--format', 'tsv'), /--format tsv: a token-classification model reads conll, jsonl, ernie, bmes/);
  });
});

describeData('eval --predictions on the real PD-NER dev file', () => {
  it('writes a prediction line for every input token of every sentence of pd_ner dev', async () => {
    await initBackend('cpu', { quiet: true });
    const vocab = join(DATA, 'vocab', 'zh_vocab_21128.txt');
    writeFileSync(join(dir, 'zh.json'), JSON.stringify(tiny(21128)));
    await createModelDir({ config: join(dir, 'zh.json'), out: join(dir, 'zh-model'), vocab, seed: 3 });
    const data = join(DATA, 'pd_ner', 'ernie_format', 'dev.tsv');
    const out = join(dir, 'pd.txt');
    const r = await evaluateModelDir(join(dir, 'zh-model'), { data, format: 'ernie', predictions: out, batchSize: 64 });
    const sentences = readSentences(data, 'ernie');
    expect(r.examples).toBe(sentences.length);
    const blocks = readFileSync(out, 'utf8').trimEnd().split('\n\n');
    expect(blocks).toHaveLength(sentences.length);
    blocks.forEach((b, i) => {
      const gold = b.split('\n').map((l) => l.split(' ')[1]);
      expect(gold, sentences[i]!.source).toEqual(sentences[i]!.tags);
    });
  }, 300_000);
});
