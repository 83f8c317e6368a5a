/**
 * A stage that keeps its best checkpoint reports that checkpoint's dev scores (in done.json, the
 * stage-end log record and the run summary), not those of its last evaluation: a reader of
 * `output: <stage>/best` next to `scores` must be able to trust that the two belong together.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { evaluateModelDir } from '../../src/pipeline/evaluate.js';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { tinyRecipe } from './tiny-run.js';

type Rec = Record<string, unknown>;
let dir: string;
let log: Rec[];
let done: { output: string; steps: number; scores: Record<string, number>; best: { metric: string; value: number; step: number } };

beforeAll(async () => {
  const run = tinyRecipe();
  dir = run.dir;
  // Only the teacher's fine-tuning, evaluated after every step with a learning rate high enough that
  // dev accuracy does not rise monotonically, so the kept step is not the last.
  const recipe = readFileSync(run.recipe, 'utf8')
    .split('\n')
    .filter((l) => !/name: (gd|ti|tp),/.test(l))
    .join('\n')
    .replace(/steps: 6, batch_size: 16, optimizer: \{ name: adamw, lr: 1.0e-3 \}, eval: \{ every: 3 \}/, 'steps: 12, batch_size: 16, optimizer: { name: adamw, lr: 3.0e-2 }, eval: { every: 1 }');
  const path = join(dir, 'kept.yaml');
  writeFileSync(path, recipe);
  await distill(loadRecipe(path), { quiet: true });
  log = readFileSync(join(dir, 'run', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
  done = JSON.parse(readFileSync(join(dir, 'run', 'ft', 'done.json'), 'utf8')) as typeof done;
});

it('the run under test keeps a checkpoint before its last step', () => {
  expect(done.steps).toBe(12);
  expect(done.output).toBe('ft/best');
  expect(done.best.step).toBeLessThan(done.steps);
  const evals = log.filter((r) => r.event === 'eval' && r.stage === 'ft');
  expect(evals).toHaveLength(12);
  const last = evals.at(-1)!;
  expect(last['dev.accuracy']).not.toBe(done.best.value);
});

it('done.json and the stage-end record carry the scores of the best evaluation', () => {
  const atBest = log.find((r) => r.event === 'eval' && r.stage === 'ft' && r.step === done.best.step)!;
  const fromLog = Object.fromEntries(Object.entries(atBest).filter(([k]) => k.startsWith('dev.')).map(([k, v]) => [k.slice(4), v]));
  expect(done.scores).toEqual(fromLog);
  expect(done.scores.accuracy).toBe(done.best.value);
  const end = log.find((r) => r.event === 'stage-end' && r.stage === 'ft')!;
  expect(end.scores).toEqual(fromLog);
  expect(end.best).toEqual(done.best);
});

it('a fresh evaluation of the kept checkpoint gives the reported accuracy', async () => {
  const r = await evaluateModelDir(join(dir, 'run', done.output), { data: join(dir, 'data', 'dev.tsv'), header: true, batchSize: 16 });
  expect(r.metrics.accuracy).toBe(done.scores.accuracy);
});
