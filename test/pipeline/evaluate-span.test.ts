/**
 * eval and predict of a span model: a model from `tinybert create` with `"head": "span"` evaluates
 * right away, prints em and f1 as --json, writes the official prediction JSON (one entry per
 * question), and predicts answers with scores and character offsets from JSON lines
 * {question, context}; on the real CMRC 2018 dev file every question gets an entry.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { createModelDir } from '../../src/checkpoint/create.js';
import { evaluateModelDir } from '../../src/pipeline/evaluate.js';
import { readSquad } from '../../src/tasks/span/squad.js';
import { expectUserError, tinybert } from '../helpers/cli.js';
import { DATA, describeData } from '../helpers/shared.js';

const tiny = (vocabSize: number) => ({
  model_type: 'bert', vocab_size: vocabSize, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32,
  max_position_embeddings: 64, head: 'span',
});

const dir = mkdtempSync(join(tmpdir(), 'tb-eval-span-'));
const CONTEXT = '张三住在北京，李四住在上海。他们是好朋友，每年都见面。';
const QUESTIONS = [
  { id: 'Q1', question: '张三住在哪里？', answers: [{ text: '北京', answer_start: 4 }] },
  { id: 'Q2', question: '李四住在哪里？', answers: [{ text: '上海', answer_start: 11 }, { text: '在上海', answer_start: 10 }] },
  // Its answer_start is wrong: moved to the text's nearest occurrence (a data warning), still evaluated.
  { id: 'Q3', question: '他们是什么？', answers: [{ text: '好朋友', answer_start: 0 }] },
];

beforeAll(() => {
  const chars = [...new Set([...CONTEXT, ...QUESTIONS.flatMap((q) => [...q.question])])];
  writeFileSync(join(dir, 'vocab.txt'), `${['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...chars].join('\n')}\n`);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(tiny(5 + chars.length)));
  writeFileSync(join(dir, 'dev.json'), JSON.stringify({ data: [{ paragraphs: [{ context: CONTEXT, qas: QUESTIONS }] }] }));
  const lines = [
    { question: '张三住在哪里？', context: CONTEXT },
    { id: 'x', question: '谁住在上海？', context: '李四住在上海。' },
  ];
  writeFileSync(join(dir, 'questions.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
});

describe('a span model from tinybert create', () => {
  it('evaluates right away: --json prints em and f1, --predictions writes {question_id: answer} for every question', () => {
    expect(tinybert('create', '--config', join(dir, 'config.json'), '--out', join(dir, 'model'), '--vocab', join(dir, 'vocab.txt')).code).toBe(0);
    const out = join(dir, 'pred.json');
    // Windows of 16 positions: every context is cut into several, decoded together.
    const r = tinybert('eval', join(dir, 'model'), '--data', join(dir, 'dev.json'), '--format', 'squad', '--json', '--predictions', out, '--max-seq-length', '16');
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.examples).toBe(3);
    expect(Object.keys(result.metrics).sort()).toEqual(['em', 'f1']);
    for (const k of ['em', 'f1']) {
      expect(result.metrics[k], k).toBeGreaterThanOrEqual(0);
      expect(result.metrics[k], k).toBeLessThanOrEqual(1);
    }
    const predictions = JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>;
    expect(Object.keys(predictions)).toEqual(['Q1', 'Q2', 'Q3']);
    for (const answer of Object.values(predictions)) expect(CONTEXT).toContain(answer);
  });

  it('predicts from JSON lines {question, context}: one answer per line with its score and character offsets', () => {
    const r = tinybert('predict', join(dir, 'model'), '--input', join(dir, 'questions.jsonl'), '--max-seq-length', '16');
    expect(r.code, r.stderr).toBe(0);
    const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((x) => [x.id, x.question])).toEqual([['1', '张三住在哪里？'], ['x', '谁住在上海？']]);
    const contexts = [CONTEXT, '李四住在上海。'];
    records.forEach((x, i) => {
      expect(typeof x.score).toBe('number');
      expect(contexts[i]!.slice(x.start, x.end)).toBe(x.answer);
      expect(x.answer.length).toBeGreaterThan(0);
    });
  });

  it('refuses a format of another task kind and --labels, naming what applies', () => {
    expectUserError(tinybert('eval', join(dir, 'model'), '--data', join(dir, 'dev.json'), '--format', 'conll'), /--format conll: a span model reads squad, jsonl/);
    expectUserError(tinybert('eval', join(dir, 'model'), '--data', join(dir, 'dev.json'), '--labels', 'a,b'), /--labels: a span model has no label list/);
  });

  it('refuses a data file whose format its name does not tell, asking for --format', () => {
    writeFileSync(join(dir, 'dev.txt'), readFileSync(join(dir, 'dev.json')));
    expectUserError(tinybert('eval', join(dir, 'model'), '--data', join(dir, 'dev.txt')), /--format: cannot tell the format of .*dev\.txt from its name; give --format squad\|jsonl/);
  });
});

describeData('eval --predictions on the real CMRC 2018 dev file', () => {
  it('writes an answer for every question of cmrc2018_dev.json (3219)', async () => {
    // About 14,000 windows of 128: the fast backend where it is built (the cpu one takes minutes).
    await initBackend(undefined, { quiet: true });
    const vocab = join(DATA, 'vocab', 'zh_vocab_21128.txt');
    writeFileSync(join(dir, 'zh.json'), JSON.stringify({ ...tiny(21128), max_position_embeddings: 128 }));
    await createModelDir({ config: join(dir, 'zh.json'), out: join(dir, 'zh-model'), vocab, seed: 3 });
    const data = join(DATA, 'cmrc2018', 'cmrc2018_dev.json');
    const out = join(dir, 'cmrc.json');
    const r = await evaluateModelDir(join(dir, 'zh-model'), { data, predictions: out, batchSize: 64 });
    const ids = readSquad(data).examples.map((e) => e.id);
    expect(ids).toHaveLength(3219);
    expect(r.examples).toBe(3219);
    expect(Object.keys(r.metrics).sort()).toEqual(['em', 'f1']);
    const predictions = JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>;
    expect(Object.keys(predictions)).toEqual(ids);
  }, 300_000);
});
