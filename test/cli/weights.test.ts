/**
 * What the CLI says about the weights of a model directory: `inspect` counts every file of a tfjs
 * export (model.json and its shards) and reports NaN / Inf weights; `predict` and `eval` refuse a
 * model with NaN / Inf weights in one line instead of printing labels computed from NaN logits.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { tf } from '../../src/backend/tf.js';
import { saveModelDir } from '../../src/checkpoint/model-dir.js';
import { readTfjsWeights, writeTfjsWeights } from '../../src/checkpoint/tfjs-weights.js';
import { tinyModel, writeVocab } from '../export/tiny.js';
import { expectUserError, tinybert } from '../helpers/cli.js';

let tmp: string;
let tfjs: string;
let diverged: string;
let badProjection: string;
let inputs: string;

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  tmp = mkdtempSync(join(tmpdir(), 'tb-weights-'));
  const vocab = writeVocab(join(tmp, 'vocab'));
  const model = tinyModel();
  tfjs = join(tmp, 'tfjs');
  await saveModelDir(model, tfjs, { format: 'tfjs', vocab });
  badProjection = join(tmp, 'bad-projection');
  const fitDense = new Float32Array(32 * 16).fill(0.5);
  fitDense[3] = NaN;
  await saveModelDir(model, badProjection, { vocab, extras: new Map([['fit_dense.weight', { shape: [32, 16], data: fitDense, dtype: 'F32' }]]) });
  // Small shards, so the weights are spread over several files as a real export's are.
  writeTfjsWeights(tfjs, readTfjsWeights(tfjs), { shardBytes: 8192 });
  // A diverged run: 5 NaN and 2 Inf in one tensor.
  const w = model.params.get('bert.encoder.layer.1.output.dense.weight')!;
  const values = w.dataSync().slice();
  values.fill(NaN, 0, 5);
  values.fill(Infinity, 10, 12);
  w.assign(tf.tensor(values, w.shape));
  diverged = join(tmp, 'diverged');
  await saveModelDir(model, diverged, { vocab });
  model.dispose();
  inputs = join(tmp, 'inputs.txt');
  writeFileSync(inputs, '很好\n太差了\n');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('inspect', () => {
  it('counts the weight shards of a tfjs export, not only model.json', () => {
    const r = tinybert('inspect', tfjs, '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { weightFiles: string[]; bytesOnDisk: number; totalParams: number; nonFinite: unknown[] };
    expect(s.weightFiles.length).toBeGreaterThan(2);
    expect(s.weightFiles[0]).toMatch(/model\.json$/);
    const total = s.weightFiles.reduce((n, f) => n + statSync(f).size, 0);
    expect(s.bytesOnDisk).toBe(total);
    expect(s.bytesOnDisk - statSync(s.weightFiles[0]!).size).toBe(4 * s.totalParams); // float32 shards
    expect(s.nonFinite).toEqual([]);
    const text = tinybert('inspect', tfjs);
    expect(text.stdout).toMatch(new RegExp(`weights\\s+model\\.json \\+ ${s.weightFiles.length - 1} shards \\(tfjs, ${(total / 1048576).toFixed(2)} MiB\\)`));
  });

  it('says when weights hold NaN or Inf (text and --json)', () => {
    const text = tinybert('inspect', diverged);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/NOT FINITE\s+bert\.encoder\.layer\.1\.output\.dense\.weight has 5 NaN \+ 2 Inf of 384 values \(did training diverge\?\)/);
    const json = JSON.parse(tinybert('inspect', diverged, '--json').stdout) as { nonFinite: unknown[] };
    expect(json.nonFinite).toEqual([{ name: 'bert.encoder.layer.1.output.dense.weight', size: 384, nan: 5, inf: 2 }]);
  });

  it('says when a training-only tensor (fit_dense) holds NaN', () => {
    const json = JSON.parse(tinybert('inspect', badProjection, '--json').stdout) as { nonFinite: unknown[] };
    expect(json.nonFinite).toEqual([{ name: 'fit_dense.weight', size: 512, nan: 1, inf: 0 }]);
  });
});

describe('inference on weights containing NaN/Inf', () => {
  const message = /diverged: weights are not finite: bert\.encoder\.layer\.1\.output\.dense\.weight has 5 NaN \+ 2 Inf of 384 values/;

  it('predict refuses in one line', () => {
    expectUserError(tinybert('predict', diverged, '--input', inputs), message);
  });

  it('eval refuses in one line', () => {
    const data = join(tmp, 'dev.tsv');
    writeFileSync(data, '很好\tpositive\n太差了\tnegative\n');
    expectUserError(tinybert('eval', diverged, '--data', data), message);
  });
});
