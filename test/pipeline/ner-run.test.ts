/**
 * Token classification end to end through the task module: a tiny NER recipe fine-tunes a teacher,
 * distils intermediate layers and predictions into a student, logs dev entity precision / recall /
 * F1, and resumes bit for bit after an interruption.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { expectResumeBitIdentical, expectTaskRunLog, runEvents } from '../helpers/tiny-task.js';
import { tinyNerRecipe } from './tiny-ner.js';

describe('a token-classification recipe', () => {
  const { dir, recipe } = tinyNerRecipe({ checkpointEvery: 3 });
  const set = (out: string) => [`output_dir=${out}`, 'backend=cpu'];
  let log: Record<string, unknown>[];

  beforeAll(async () => {
    await distill(loadRecipe(recipe, set('whole')), { quiet: true });
    log = runEvents(join(dir, 'whole'));
  }, 300_000);

  it('fine-tunes (the hard loss decreases), distils both task stages, logs dev precision, recall and f1, and exports a BertForTokenClassification', () => {
    for (const e of expectTaskRunLog(log, 24)) {
      for (const k of ['dev.f1', 'dev.precision', 'dev.recall', 'dev.accuracy']) expect(e[k], `${e.stage} ${k}`).toBeGreaterThanOrEqual(0);
    }
    const config = JSON.parse(readFileSync(join(dir, 'whole', 'tp', 'final', 'config.json'), 'utf8'));
    expect(config.architectures).toEqual(['BertForTokenClassification']);
    expect(Object.values(config.id2label)).toContain('O');
    const exported = JSON.parse(readFileSync(join(dir, 'whole', 'export', 'config.json'), 'utf8'));
    expect(exported.architectures).toEqual(['BertForTokenClassification']);
  });

  it('a token-classification run interrupted mid-stage resumes bit-identical to an uninterrupted run', async () => {
    await expectResumeBitIdentical(recipe, dir, set);
  }, 300_000);
});
