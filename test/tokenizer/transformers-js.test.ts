/**
 * transformers.js (`@huggingface/transformers`, what our users run models with) reads the
 * tokenizer.json a saved model directory carries and gives the ids our BertTokenizer gives: the
 * demo's dev lines on any clone, the real ChnSentiCorp and LCQMC dev lines when ../shared exists.
 * Loaded from a local path with remote models disabled, so nothing is downloaded.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { saveModelDir } from '../../src/checkpoint/model-dir.js';
import { BertTokenizer, Vocab } from '../../src/tokenizer/index.js';
import { DATA, ROOT, describeData } from '../helpers/shared.js';
import { TINY_CONFIG, tinyModel } from '../export/tiny.js';

const DEMO_VOCAB = join(ROOT, 'recipes/demo/vocab.txt');
const ZH_VOCAB = join(DATA, 'vocab/zh_vocab_21128.txt');

let models: string;

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  models = mkdtempSync(join(tmpdir(), 'tinybert-transformers-js-'));
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${models}/`;
});
afterAll(() => rmSync(models, { recursive: true, force: true }));

/** Saves a tiny model with `vocab` as `models/name`, which writes the directory's tokenizer files. */
async function saveWithVocab(name: string, vocab: string): Promise<void> {
  const model = tinyModel({ ...TINY_CONFIG, vocab_size: Vocab.fromFile(vocab).tokens().length });
  try {
    await saveModelDir(model, join(models, name), { vocab });
  } finally {
    model.dispose();
  }
}

type Line = readonly [a: string, b?: string];

/** Fails naming how many lines differ and showing the first three with both encodings. */
function expectSameIds(hf: PreTrainedTokenizer, ours: BertTokenizer, lines: readonly Line[]): void {
  const differ = disagreements(hf, ours, lines);
  expect(differ.slice(0, 3), `${differ.length}/${lines.length} lines encode differently`).toEqual([]);
}

/** The lines whose input_ids or token_type_ids differ, with both encodings, for a readable failure. */
function disagreements(hf: PreTrainedTokenizer, ours: BertTokenizer, lines: readonly Line[]) {
  const out = [];
  for (const [a, b] of lines) {
    const want = ours.encode(a, b ?? null);
    const got = hf(a, { text_pair: b ?? null, return_tensor: false }) as { input_ids: number[]; token_type_ids: number[] };
    const same = JSON.stringify([got.input_ids, got.token_type_ids]) === JSON.stringify([want.inputIds, want.tokenTypeIds]);
    if (!same) out.push({ a, b, ours: [want.inputIds, want.tokenTypeIds], transformersJs: [got.input_ids, got.token_type_ids] });
  }
  return out;
}

/** Tab-separated rows of a file, without its header line when `header`. */
function rows(path: string, header: boolean): string[][] {
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  return lines.slice(header ? 1 : 0).map((l) => l.split('\t'));
}

const demoLines = (): Line[] => rows(join(ROOT, 'recipes/demo/dev.tsv'), true).map((r) => [r[1]!]);

describe('transformers.js reads the tokenizer.json of a saved model directory', () => {
  let ours: BertTokenizer;
  beforeAll(async () => {
    await saveWithVocab('demo', DEMO_VOCAB);
    ours = BertTokenizer.fromVocabFile(DEMO_VOCAB);
  });

  it('gives our input_ids and token_type_ids on the demo dev lines, alone and as pairs', async () => {
    const hf = await AutoTokenizer.from_pretrained('demo');
    const lines = demoLines();
    expect(lines.length).toBe(600);
    const pairs: Line[] = lines.slice(0, 100).map(([a], i) => [a, lines[i + 1]![0]]);
    expectSameIds(hf, ours, lines);
    expectSameIds(hf, ours, pairs);
  });

  it('catches a tokenizer.json whose vocabulary disagrees with vocab.txt (two ids swapped)', async () => {
    await saveWithVocab('swapped', DEMO_VOCAB);
    const file = join(models, 'swapped', 'tokenizer.json');
    const tok = JSON.parse(readFileSync(file, 'utf8')) as { model: { vocab: Record<string, number> } };
    const [x, y] = ['宾', '馆'];
    [tok.model.vocab[x], tok.model.vocab[y]] = [tok.model.vocab[y]!, tok.model.vocab[x]!];
    writeFileSync(file, JSON.stringify(tok));
    const hf = await AutoTokenizer.from_pretrained('swapped');
    const lines = demoLines().filter(([a]) => a.includes('宾馆'));
    expect(lines.length).toBeGreaterThan(0);
    expect(disagreements(hf, ours, lines)).toHaveLength(lines.length);
  });
});

describeData('transformers.js reads our tokenizer.json of the 21128-token Chinese vocabulary', () => {
  let hf: PreTrainedTokenizer;
  let ours: BertTokenizer;
  beforeAll(async () => {
    await saveWithVocab('zh', ZH_VOCAB);
    hf = await AutoTokenizer.from_pretrained('zh');
    ours = BertTokenizer.fromVocabFile(ZH_VOCAB);
  });

  it('gives our ids on every ChnSentiCorp dev sentence', () => {
    const lines: Line[] = rows(join(DATA, 'chnsenticorp/dev.tsv'), true).map((r) => [r[1]!]);
    expect(lines.length).toBe(1200);
    expectSameIds(hf, ours, lines);
  });

  it('gives our ids and token types on every LCQMC dev pair', () => {
    const pairs: Line[] = rows(join(DATA, 'lcqmc/dev.txt'), false).map((r) => [r[0]!, r[1]!]);
    expect(pairs.length).toBe(8802);
    expectSameIds(hf, ours, pairs);
  });
});
