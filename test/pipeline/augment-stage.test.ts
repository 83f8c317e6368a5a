/**
 * A recipe pretrain → finetune → augment → task-intermediate → task-prediction on a Chinese sample,
 * end to end; killed during the augment (a real process, SIGKILL) or after it, and resumed, it ends
 * with the same augmented file and the same student as an uninterrupted run.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readSafetensors } from '../../src/checkpoint/safetensors.js';
import { RecipeError } from '../../src/errors.js';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { ROOT } from '../helpers/shared.js';
import { tinyRecipe } from './tiny-run.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The tiny run's data and configs; mlm is pre-trained, teacher fine-tuned, and the augmented task feeds both task stages. */
function augmentRecipe(aug = '{ copies: 3, candidates: 4, batch_size: 1, guard: { model: teacher, rule: { confidence: 0.2 } } }'): { dir: string; recipe: string } {
  const { dir, recipe } = tinyRecipe({ dropout: 0.1 });
  const head = readFileSync(recipe, 'utf8').split('stages:')[0]!.replace('models:\n', 'models:\n  mlm: { config: teacher.json }\n');
  const extra = aug.slice(1, -1).trim();
  writeFileSync(
    recipe,
    `${head}stages:
  - { name: pt, kind: pretrain, train: mlm, corpus: text, steps: 4, batch_size: 8 }
  - { name: ft, kind: finetune, train: teacher, task: reviews, steps: 4, batch_size: 16, optimizer: { name: adamw, lr: 1.0e-3 } }
  - { name: aug, kind: augment, model: mlm, task: reviews, output: reviews-aug${extra ? `, ${extra}` : ''} }
  - { name: ti, kind: task-intermediate, teacher: teacher, student: student, task: reviews-aug, steps: 6, batch_size: 16, checkpoint_every: 2 }
  - { name: tp, kind: task-prediction, teacher: teacher, student: student, task: reviews-aug, steps: 6, batch_size: 16, temperature: 2 }
`,
  );
  return { dir, recipe };
}

function expectSameRun(a: string, b: string): void {
  expect(readFileSync(join(b, 'aug', 'train.tsv'), 'utf8')).toBe(readFileSync(join(a, 'aug', 'train.tsv'), 'utf8'));
  for (const stage of ['ti', 'tp']) {
    const wa = readSafetensors(join(a, stage, 'final', 'model.safetensors')).tensors;
    const wb = readSafetensors(join(b, stage, 'final', 'model.safetensors')).tensors;
    expect([...wb.keys()]).toEqual([...wa.keys()]);
    for (const [name, t] of wa) expect(Buffer.from(wb.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), `${stage} ${name} bit-identical`).toBe(true);
  }
}

it('a recipe with an augment stage trains the student on the augmented task, and resumes after a kill during or after the augment', async () => {
  const { dir, recipe } = augmentRecipe();
  const set = (out: string) => [`output_dir=${out}`];
  const whole = join(dir, 'whole');
  const result = await distill(loadRecipe(recipe, set('whole')), { quiet: true });
  expect(result.stages.map((s) => s.stage)).toEqual(['pt', 'ft', 'aug', 'ti', 'tp']);

  // The augmented file: the header, every original row in order, and changed copies of them.
  const original = readFileSync(join(dir, 'data', 'train.tsv'), 'utf8').trim().split('\n');
  const augmented = readFileSync(join(whole, 'aug', 'train.tsv'), 'utf8').trim().split('\n');
  expect(augmented[0]).toBe(original[0]);
  expect(augmented.filter((l) => original.includes(l))).toEqual(original);
  expect(augmented.length).toBeGreaterThan(original.length);
  const summary = JSON.parse(readFileSync(join(whole, 'aug', 'train.tsv.summary.json'), 'utf8'));
  expect(summary).toMatchObject({ examples: 160, written: augmented.length - 1 });
  expect(summary.guard.kept + summary.guard.dropped).toBe(summary.augmented + summary.guard.dropped);
  // The task stages read the augmented rows (dev unchanged), and recipe.yaml keeps the tasks as written.
  const ti = readFileSync(join(whole, 'log.jsonl'), 'utf8');
  expect(ti).toContain('"event":"augment"');
  expect(Object.keys(loadRecipe(join(whole, 'recipe.yaml')).tasks)).toEqual(['reviews']);
  expect(Object.keys(loadRecipe(join(whole, 'tp', 'final', 'recipe.yaml')).tasks), 'the recipe beside a checkpoint loads back').toEqual(['reviews']);
  expect(JSON.parse(readFileSync(join(whole, 'aug', 'done.json'), 'utf8')).output).toBe('aug/train.tsv');

  // Killed (SIGKILL) once the augment has written a chunk but not finished; resumed.
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'tinybert.js'), 'distill', recipe, '--quiet', ...set('killed').flatMap((s) => ['--set', s])], { stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  const progress = join(dir, 'killed', 'aug', 'train.tsv.progress.json');
  const chunks = () => {
    try {
      return (JSON.parse(readFileSync(progress, 'utf8')) as { chunksDone: number }).chunksDone;
    } catch {
      return 0;
    }
  };
  const deadline = Date.now() + 120_000;
  while (chunks() < 1 && Date.now() < deadline) await sleep(5);
  child.kill('SIGKILL');
  await exited;
  const killedAt = JSON.parse(readFileSync(progress, 'utf8')) as { chunksDone: number; finished: boolean };
  expect(killedAt.finished, 'killed during the augment').toBe(false);
  expect(existsSync(join(dir, 'killed', 'aug', 'done.json'))).toBe(false);
  await distill(loadRecipe(recipe, set('killed')), { quiet: true, resume: true });
  expectSameRun(whole, join(dir, 'killed'));

  // Stopped in task-intermediate, after the augment finished: the augment is skipped on resume.
  const stop = (info: { stage: string; step: number }) => {
    if (info.stage === 'ti' && info.step === 3) throw new Error('stopped in ti');
  };
  await expect(distill(loadRecipe(recipe, set('after')), { quiet: true, onStep: stop })).rejects.toThrow('stopped in ti');
  await distill(loadRecipe(recipe, set('after')), { quiet: true, resume: true });
  const log = readFileSync(join(dir, 'after', 'log.jsonl'), 'utf8');
  expect(log.match(/"event":"augment"/g)).toHaveLength(1);
  expectSameRun(whole, join(dir, 'after'));
}, 600_000);

it('refuses an augment stage whose model slot has no masked-LM head', async () => {
  const { recipe } = augmentRecipe('{}');
  const failure = distill(loadRecipe(recipe, ['output_dir=nomlm', 'backend=cpu', 'stages.2.model=teacher']), { quiet: true }).catch((e: unknown) => e);
  expect(await failure).toBeInstanceOf(RecipeError);
  expect(((await failure) as Error).message).toMatch(
    /stages\.aug\.model: slot "teacher" \(.*ft\/(final|best)\) has a classification head, not mlm or pretraining; augment needs a pre-trained teacher/,
  );
}, 300_000);
