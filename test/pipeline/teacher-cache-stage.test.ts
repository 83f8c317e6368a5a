/**
 * The teacher-output cache of a task-prediction stage: the student trained on cached logits is
 * bit-identical to the one trained with the teacher run live, across epochs and across a resume.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readSafetensors } from '../../src/checkpoint/safetensors.js';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { tinyRecipe } from './tiny-run.js';

/** finetune the teacher, then task-prediction over 160 examples (10 batches an epoch) for 24 steps. */
function cacheRecipe(): { dir: string; recipe: string } {
  const { dir, recipe } = tinyRecipe({ dropout: 0.1 });
  const head = readFileSync(recipe, 'utf8').split('stages:')[0]!;
  writeFileSync(
    recipe,
    `${head}stages:
  - { name: ft, kind: finetune, train: teacher, task: reviews, steps: 6, batch_size: 16, optimizer: { name: adamw, lr: 1.0e-3 } }
  - { name: tp, kind: task-prediction, teacher: teacher, student: student, task: reviews, steps: 24, batch_size: 16, checkpoint_every: 8, temperature: 2, losses: { prediction: 1, hard: 0.5 } }
`,
  );
  return { dir, recipe };
}

const weights = (run: string) => readSafetensors(join(run, 'tp', 'final', 'model.safetensors')).tensors;
const events = (run: string, event: string) =>
  readFileSync(join(run, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.event === event && e.stage === 'tp');

function expectSameWeights(a: string, b: string): void {
  const wa = weights(a);
  const wb = weights(b);
  expect([...wb.keys()]).toEqual([...wa.keys()]);
  for (const [name, t] of wa) expect(Buffer.from(wb.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), `${name} bit-identical`).toBe(true);
}

it('task-prediction on cached teacher logits gives the same losses and student as the live teacher', async () => {
  const { dir, recipe } = cacheRecipe();
  const set = (out: string, cache: string) => [`output_dir=${out}`, 'backend=cpu', `stages.1.teacher_cache=${cache}`];
  await distill(loadRecipe(recipe, set('live', 'off')), { quiet: true });
  await distill(loadRecipe(recipe, set('cached', 'auto')), { quiet: true });
  const live = join(dir, 'live');
  const cached = join(dir, 'cached');

  expect(existsSync(join(live, 'tp', 'teacher-cache')), 'teacher_cache off writes no cache').toBe(false);
  const fill = events(cached, 'teacher-cache');
  expect(fill).toHaveLength(1);
  expect(fill[0]).toMatchObject({ added: 160, cached: 160 });
  const losses = (run: string) => events(run, 'step').map((e) => [e['loss.prediction'], e['loss.hard']]);
  expect(losses(cached)).toHaveLength(events(live, 'step').length);
  expect(losses(cached)).toEqual(losses(live));
  expectSameWeights(live, cached);
}, 300_000);

it('a resumed task-prediction stage reuses its filled teacher cache and ends as the uninterrupted one', async () => {
  const { dir, recipe } = cacheRecipe();
  const set = (out: string) => [`output_dir=${out}`, 'backend=cpu'];
  await distill(loadRecipe(recipe, set('whole')), { quiet: true });
  const stop = (info: { stage: string; step: number }) => {
    if (info.stage === 'tp' && info.step === 11) throw new Error('killed at step 11');
  };
  await expect(distill(loadRecipe(recipe, set('cut')), { quiet: true, onStep: stop })).rejects.toThrow('killed at step 11');
  await distill(loadRecipe(recipe, set('cut')), { quiet: true, resume: true });
  const cut = join(dir, 'cut');
  expect(events(cut, 'resume')).toEqual([expect.objectContaining({ step: 8 })]);
  expect(events(cut, 'teacher-cache').map((e) => e.added)).toEqual([160, 0]);
  expectSameWeights(join(dir, 'whole'), cut);
}, 300_000);

it('a task-prediction stage shorter than an epoch runs its teacher live under auto, and says so', async () => {
  const { dir, recipe } = cacheRecipe();
  // 10 batches an epoch: 10 steps read each row once (the fill would double the teacher's work), 11 read some twice.
  for (const [steps, cached] of [[10, false], [11, true]] as const) {
    const out = `steps${steps}`;
    await distill(loadRecipe(recipe, [`output_dir=${out}`, 'backend=cpu', `stages.1.steps=${steps}`]), { quiet: true });
    const run = join(dir, out);
    expect(existsSync(join(run, 'tp', 'teacher-cache')), `${steps} steps`).toBe(cached);
    expect(events(run, 'teacher-cache'), `${steps} steps`).toHaveLength(cached ? 1 : 0);
    const said = events(run, 'note').map((e) => String(e.message));
    expect(said.some((m) => m.includes('runs the teacher live: 10 batches read of 10 an epoch')), said.join('\n')).toBe(!cached);
  }
}, 300_000);
