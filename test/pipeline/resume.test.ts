/**
 * Kill a real `tinybert distill` process in the middle of a stage, resume it, and end with weights
 * bit-identical to an uninterrupted run (same data order, dropout masks, optimizer moments).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readSafetensors } from '../../src/checkpoint/safetensors.js';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { ROOT } from '../helpers/shared.js';
import { tinyRecipe } from './tiny-run.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('a run killed mid-stage and resumed ends bit-identical to an uninterrupted run', async () => {
  const { dir, recipe } = tinyRecipe({ steps: 16, checkpointEvery: 3, dropout: 0.1 });
  const set = (out: string) => [`output_dir=${out}`, 'backend=cpu'];
  await distill(loadRecipe(recipe, set('uninterrupted')), { quiet: true });

  // The same recipe in a child process, killed (SIGKILL) once stage "ti" has checkpointed.
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'tinybert.js'), 'distill', recipe, '--quiet', ...set('killed').flatMap((s) => ['--set', s])], { stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  const ckpt = join(dir, 'killed', 'ti', 'checkpoint', 'trainer.json');
  const deadline = Date.now() + 120_000;
  while (!existsSync(ckpt) && Date.now() < deadline) await sleep(10);
  child.kill('SIGKILL');
  await exited;
  expect(existsSync(ckpt), 'the child reached a checkpoint of stage ti').toBe(true);
  expect(existsSync(join(dir, 'killed', 'ti', 'done.json')), 'killed before the stage finished').toBe(false);
  const step = JSON.parse(readFileSync(ckpt, 'utf8')).step as number;
  expect(step).toBeGreaterThan(0);
  expect(step).toBeLessThan(16);

  const resumed = await distill(loadRecipe(recipe, set('killed')), { quiet: true, resume: true });
  expect(resumed.stages.map((s) => s.stage)).toEqual(['gd', 'ft', 'ti', 'tp']);
  for (const stage of ['ti', 'tp']) {
    const a = readSafetensors(join(dir, 'uninterrupted', stage, 'final', 'model.safetensors')).tensors;
    const b = readSafetensors(join(dir, 'killed', stage, 'final', 'model.safetensors')).tensors;
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, t] of a) {
      expect(Buffer.from(b.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), `${stage} ${name} bit-identical`).toBe(true);
    }
  }
}, 300_000);
