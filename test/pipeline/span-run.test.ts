/**
 * Span extraction end to end through the task module: a tiny recipe on a slice of CMRC 2018 (a
 * hand-made SQuAD file without ../shared) fine-tunes a teacher, distils intermediate layers and
 * predictions into a student, logs dev EM and F1, exports a BertForQuestionAnswering, and resumes
 * bit for bit after an interruption.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../src/checkpoint/safetensors.js';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { tinySpanRecipe } from './tiny-span.js';

const events = (out: string) =>
  readFileSync(join(out, 'log.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('a span recipe', () => {
  const { dir, recipe } = tinySpanRecipe({ checkpointEvery: 3 });
  const set = (out: string) => [`output_dir=${out}`];
  let log: Record<string, unknown>[];

  beforeAll(async () => {
    await distill(loadRecipe(recipe, set('whole')), { quiet: true });
    log = events(join(dir, 'whole'));
  }, 300_000);

  it('fine-tunes (the hard loss decreases), distils both task stages, logs dev em and f1, and exports a BertForQuestionAnswering', () => {
    const hard = log.filter((e) => e.event === 'step' && e.stage === 'ft').map((e) => e['loss.hard'] as number);
    expect(hard.length).toBe(18);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(hard.slice(-4))).toBeLessThan(mean(hard.slice(0, 4)));
    const evals = log.filter((e) => e.event === 'eval');
    expect(evals.map((e) => e.stage)).toEqual(['ft', 'ft', 'ft', 'tp']);
    for (const e of evals) {
      for (const k of ['dev.em', 'dev.f1']) {
        expect(e[k], `${e.stage} ${k}`).toBeGreaterThanOrEqual(0);
        expect(e[k], `${e.stage} ${k}`).toBeLessThanOrEqual(1);
      }
    }
    expect(log.some((e) => e.event === 'step' && e.stage === 'tp' && typeof e['loss.prediction'] === 'number')).toBe(true);
    expect(log.some((e) => e.event === 'step' && e.stage === 'ti' && typeof e['loss.hidden'] === 'number')).toBe(true);
    for (const config of [join('tp', 'final'), 'export'].map((d) => JSON.parse(readFileSync(join(dir, 'whole', d, 'config.json'), 'utf8')))) {
      expect(config.architectures).toEqual(['BertForQuestionAnswering']);
    }
  });

  it('a span run interrupted mid-stage resumes bit-identical to an uninterrupted run', async () => {
    const stop = new Error('interrupted');
    await expect(
      distill(loadRecipe(recipe, set('killed')), {
        quiet: true,
        onStep: ({ stage, step }) => {
          if (stage === 'tp' && step === 4) throw stop;
        },
      }),
    ).rejects.toBe(stop);
    await distill(loadRecipe(recipe, set('killed')), { quiet: true, resume: true });
    const a = readSafetensors(join(dir, 'whole', 'tp', 'final', 'model.safetensors')).tensors;
    const b = readSafetensors(join(dir, 'killed', 'tp', 'final', 'model.safetensors')).tensors;
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, t] of a) expect(Buffer.from(b.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
  }, 300_000);
});
