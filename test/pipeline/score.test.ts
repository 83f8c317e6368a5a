/**
 * Dev-set scores, which the summary table after a run prints column by column: a three-class task
 * gets f1_macro and no binary "f1" of class 1; a two-class task keeps its f1.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import type { Example } from '../../src/data/classification.js';
import { taskSchema } from '../../src/recipe/task.js';
import { formatRunTable } from '../../src/pipeline/run.js';
import { scoreModel } from '../../src/pipeline/score.js';
import { classification } from '../../src/tasks/classification/module.js';
import type { TaskSetup } from '../../src/tasks/infer.js';
import { BertTokenizer, Vocab } from '../../src/tokenizer/index.js';
import { TINY_CONFIG, TINY_VOCAB, tinyModel } from '../export/tiny.js';

/** A single-sentence task over `labels`, and one short example per gold label. */
function task(labels: string[], gold: number[]): { setup: TaskSetup; examples: Example[] } {
  const config = taskSchema.parse({ type: 'single', train: 't.tsv', labels });
  const tokenizer = new BertTokenizer(Vocab.fromTokens(TINY_VOCAB));
  const examples = gold.map((label, i) => ({ textA: '很好不坏'.slice(0, 1 + (i % 4)), label, source: `t.tsv:${i + 1}` }));
  return { setup: { module: classification, config, labels, tokenizer, maxSeqLength: 16 }, examples };
}

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
});

describe('scoreModel (dev scores through the classification module)', () => {
  it('a three-class task reports f1_macro and no binary f1, so the summary table has no f1 column', async () => {
    const model = tinyModel({ ...TINY_CONFIG, id2label: { 0: 'entailment', 1: 'neutral', 2: 'contradiction' } });
    const { setup, examples } = task(['entailment', 'neutral', 'contradiction'], [0, 1, 2, 1]);
    const scores = scoreModel(model, setup, examples, 4);
    model.dispose();
    expect(Object.keys(scores)).toEqual(['accuracy', 'f1_macro', 'mcc', 'examples']);
    const table = formatRunTable({ outputDir: 'run', stages: [], slots: {}, models: [{ slot: 'student', dir: 'd', params: 1, bytesOnDisk: 0, scores }], seconds: 0 });
    expect(table.split('\n')[0]).toMatch(/^model\s+parameters\s+weights MiB\s+accuracy\s+f1_macro\s+mcc\s+latency/);
  });

  it('a two-class task keeps the binary f1', async () => {
    const model = tinyModel();
    const { setup, examples } = task(['negative', 'positive'], [0, 1, 1, 0]);
    const scores = scoreModel(model, setup, examples, 4);
    model.dispose();
    expect(Object.keys(scores)).toEqual(['accuracy', 'f1', 'f1_macro', 'mcc', 'examples']);
  });
});
