import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { exportModel } from '../../src/checkpoint/export.js';
import { main } from '../../src/cli/main.js';
import { evaluateModelDir, predictModelDir, readPredictInputs } from '../../src/pipeline/evaluate.js';
import { tinyModel, writeTrainingCheckpoint, writeVocab } from '../export/tiny.js';

const TEXTS: [string, string?][] = [
  ['这部电影很好'], ['这本书太差了'], ['我喜欢'], ['一般'], ['还行。'], ['很棒!'], ['不好', '太差'], ['我不喜欢这部电影', '好'],
];

let tmp: string;
let checkpoint: string;
let exported: string;

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  tmp = mkdtempSync(join(tmpdir(), 'tinybert-eval-'));
  const vocab = writeVocab(join(tmp, 'vocab'));
  const model = tinyModel();
  checkpoint = join(tmp, 'checkpoint');
  await writeTrainingCheckpoint(model, checkpoint, vocab);
  model.dispose();
  exported = join(tmp, 'exported');
  await exportModel(checkpoint, { out: exported });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Captures what `main` writes to stdout / stderr. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('predict', () => {
  it('labels text lines (single and TAB pairs) with probabilities that sum to 1', async () => {
    const input = join(tmp, 'inputs.txt');
    writeFileSync(input, `${TEXTS.map(([a, b]) => (b ? `${a}\t${b}` : a)).join('\n')}\n\n`);
    const preds = await predictModelDir(exported, { input, batchSize: 3 });
    expect(preds).toHaveLength(TEXTS.length);
    for (const p of preds) {
      expect(['negative', 'positive']).toContain(p.label);
      const probs = Object.values(p.probabilities!);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(p.score).toBe(Math.max(...probs));
    }
    expect(preds[6]).toMatchObject({ text_a: '不好', text_b: '太差' });
  });

  it('JSONL input gives the same predictions; the checkpoint and its export agree; batch size does not matter', async () => {
    const txt = join(tmp, 'inputs.txt');
    const jsonl = join(tmp, 'inputs.jsonl');
    writeFileSync(jsonl, TEXTS.map(([a, b]) => JSON.stringify(b ? { text_a: a, text_b: b } : { text_a: a })).join('\n'));
    const a = await predictModelDir(exported, { input: txt, batchSize: 3 });
    const b = await predictModelDir(checkpoint, { input: jsonl, batchSize: 1 });
    expect(b.map((p) => p.label)).toEqual(a.map((p) => p.label));
    b.forEach((p, i) => expect(p.score).toBeCloseTo(a[i]!.score, 5));
  });

  it('rejects malformed inputs naming the line', () => {
    const bad = join(tmp, 'bad.jsonl');
    writeFileSync(bad, '{"text_a": "好"}\n{"text": "坏"}\n');
    expect(() => readPredictInputs(bad)).toThrow(/bad\.jsonl:2: expected an object with a string "text_a"/);
    const empty = join(tmp, 'empty.txt');
    writeFileSync(empty, '\n\n');
    expect(() => readPredictInputs(empty)).toThrow(/empty\.txt: no examples/);
  });
});

describe('eval', () => {
  /** Gold = prediction for the first 6 examples, the other label for the last 2: accuracy 0.75. */
  async function labelledFile(): Promise<string> {
    const input = join(tmp, 'inputs.txt');
    const preds = await predictModelDir(exported, { input });
    const gold = preds.map((p, i) => (i < 6 ? p.label! : p.label === 'positive' ? 'negative' : 'positive'));
    const file = join(tmp, 'dev.tsv');
    writeFileSync(file, `sentence\tlabel\n${TEXTS.map(([a], i) => `${a}\t${gold[i]}`).join('\n')}\n`);
    return file;
  }

  it('computes accuracy, F1, MCC and a confusion matrix with id2label names', async () => {
    const data = await labelledFile();
    const r = await evaluateModelDir(exported, { data, header: true, textA: 'sentence', batchSize: 4 });
    expect(r.examples).toBe(8);
    expect(r.labels).toEqual(['negative', 'positive']);
    expect(r.metrics.accuracy).toBeCloseTo(0.75, 12);
    expect(Object.keys(r.metrics)).toEqual(['accuracy', 'f1', 'f1_macro', 'mcc']);
    expect(r.confusion!.flat().reduce((a, b) => a + b, 0)).toBe(8);
    expect(r.confusion![0]![0]! + r.confusion![1]![1]!).toBe(6);
  });

  it('the CLI prints the metrics as --json', async () => {
    const data = await labelledFile();
    const { code, out } = await run(['eval', exported, '--data', data, '--header', '--text-a', 'sentence', '--json', '--backend', 'cpu']);
    expect(code).toBe(0);
    expect(JSON.parse(out).metrics.accuracy).toBeCloseTo(0.75, 12);
  });

  it('an unknown label names the file and line', async () => {
    const data = join(tmp, 'wrong-labels.tsv');
    writeFileSync(data, '好\t1\n坏\t0\n');
    await expect(evaluateModelDir(exported, { data })).rejects.toThrow(/wrong-labels\.tsv:1: label "1" is not one of \["negative","positive"\]/);
    const r = await evaluateModelDir(exported, { data, labels: ['0', '1'] });
    expect(r.examples).toBe(2);
  });
});

describe('CLI failures are one line without a stack trace', () => {
  const missing = () => join(tmp, 'no-such-dir');
  const cases: [string, () => string[]][] = [
    ['eval', () => ['eval', missing(), '--data', join(tmp, 'dev.tsv')]],
    ['predict', () => ['predict', missing(), '--input', join(tmp, 'inputs.txt')]],
    ['export', () => ['export', missing(), '--out', join(tmp, 'x')]],
    ['distill-losses', () => {
      const inputs = join(tmp, 'batch.json');
      writeFileSync(inputs, JSON.stringify({ input_ids: [[2, 5, 3]] }));
      return ['distill-losses', '--teacher', missing(), '--student', missing(), '--inputs', inputs];
    }],
  ];
  for (const [name, argv] of cases) {
    it(`${name} with a missing DIR exits 1`, async () => {
      const { code, err } = await run([...argv(), '--backend', 'cpu']);
      expect(code).toBe(1);
      expect(err).toMatch(/^tinybert: error: .*no-such-dir.*\n$/);
      expect(err.split('\n')).toHaveLength(2);
      expect(err).not.toMatch(/\bat .*\.ts:\d+/);
    });
  }
});
