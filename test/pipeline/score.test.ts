/**
 * Dev-set scores, which the summary table after a run prints column by column: a three-class task
 * gets f1_macro and no binary "f1" of class 1; a two-class task keeps its f1.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import type { BatchSource, HostBatch } from '../../src/pipeline/batches.js';
import { formatRunTable } from '../../src/pipeline/run.js';
import { scoreModel } from '../../src/pipeline/score.js';
import { TINY_CONFIG, tinyModel } from '../export/tiny.js';

/** One batch of [CLS] x [SEP] rows, one per gold label. */
function source(labels: number[]): BatchSource {
  const B = labels.length;
  const T = 3;
  const batch: HostBatch = {
    inputIds: Int32Array.from({ length: B * T }, (_, i) => (i % T === 0 ? 2 : i % T === T - 1 ? 3 : 5 + (i % 7))),
    tokenTypeIds: new Int32Array(B * T),
    attentionMask: new Int32Array(B * T).fill(1),
    labels: Int32Array.from(labels),
    batchSize: B,
    seqLen: T,
  };
  return { batchesPerEpoch: 1, next: async () => batch, getState: () => undefined, setState: () => undefined };
}

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
});

describe('scoreModel', () => {
  it('a three-class task reports f1_macro and no binary f1, so the summary table has no f1 column', async () => {
    const model = tinyModel({ ...TINY_CONFIG, id2label: { 0: 'entailment', 1: 'neutral', 2: 'contradiction' } });
    const scores = await scoreModel(model, source([0, 1, 2, 1]), false);
    model.dispose();
    expect(Object.keys(scores)).toEqual(['accuracy', 'f1_macro', 'mcc', 'examples']);
    const table = formatRunTable({ outputDir: 'run', stages: [], slots: {}, models: [{ slot: 'student', dir: 'd', params: 1, bytesOnDisk: 0, scores }], seconds: 0 });
    expect(table.split('\n')[0]).toMatch(/^model\s+parameters\s+weights MiB\s+accuracy\s+f1_macro\s+mcc\s+latency/);
  });

  it('a two-class task keeps the binary f1', async () => {
    const model = tinyModel();
    const scores = await scoreModel(model, source([0, 1, 1, 0]), false);
    model.dispose();
    expect(Object.keys(scores)).toEqual(['accuracy', 'f1', 'f1_macro', 'mcc', 'examples']);
  });
});
