/**
 * Span extraction end to end through the task module: a tiny recipe on a slice of CMRC 2018 (a
 * hand-made SQuAD file without ../shared) fine-tunes a teacher, distils intermediate layers and
 * predictions into a student, logs dev EM and F1, exports a BertForQuestionAnswering, and resumes
 * bit for bit after an interruption.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateModelDir } from '../../src/pipeline/evaluate.js';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { expectResumeBitIdentical, expectTaskRunLog, runEvents } from '../helpers/tiny-task.js';
import { tinySpanRecipe } from './tiny-span.js';

describe('a span recipe', () => {
  const { dir, recipe, dev } = tinySpanRecipe({ checkpointEvery: 3 });
  const set = (out: string) => [`output_dir=${out}`];
  let log: Record<string, unknown>[];

  beforeAll(async () => {
    await distill(loadRecipe(recipe, set('whole')), { quiet: true });
    log = runEvents(join(dir, 'whole'));
  }, 300_000);

  it('fine-tunes (the hard loss decreases), distils both task stages, logs dev em and f1, and exports a BertForQuestionAnswering', () => {
    for (const e of expectTaskRunLog(log, 18)) {
      for (const k of ['dev.em', 'dev.f1']) {
        expect(e[k], `${e.stage} ${k}`).toBeGreaterThanOrEqual(0);
        expect(e[k], `${e.stage} ${k}`).toBeLessThanOrEqual(1);
      }
    }
    for (const config of [join('tp', 'final'), 'export'].map((d) => JSON.parse(readFileSync(join(dir, 'whole', d, 'config.json'), 'utf8')))) {
      expect(config.architectures).toEqual(['BertForQuestionAnswering']);
    }
  });

  it('records its windows and decoding in the model config, so eval of the checkpoint and of the export scores as the stage did', async () => {
    const last = log.filter((e) => e.event === 'eval' && e.stage === 'tp').at(-1)!;
    for (const d of [join('tp', 'final'), 'export']) {
      const model = join(dir, 'whole', d);
      const config = JSON.parse(readFileSync(join(model, 'config.json'), 'utf8'));
      // The recipe's task entry: 48 positions, stride 16, questions of 16, answers of 20; n_best_size defaults to 20.
      expect(config.task_settings, d).toEqual({ max_seq_length: 48, doc_stride: 16, max_query_length: 16, max_answer_length: 20, n_best_size: 20 });
      const { metrics } = await evaluateModelDir(model, { data: dev });
      expect(metrics.em, d).toBeCloseTo(last['dev.em'] as number, 9);
      expect(metrics.f1, d).toBeCloseTo(last['dev.f1'] as number, 9);
    }
  }, 60_000);

  it('a span run interrupted mid-stage resumes bit-identical to an uninterrupted run', async () => {
    await expectResumeBitIdentical(recipe, dir, set);
  }, 300_000);
});
