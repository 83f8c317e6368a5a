/** Two real `tinybert distill` processes on one output_dir: the second is refused while the first lives. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { RUN_LOCK } from '../../src/recipe/run-files.js';
import { ROOT } from '../helpers/shared.js';
import { tinyRecipe } from './tiny-run.js';

const BIN = join(ROOT, 'bin', 'tinybert.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lockPid = (path: string): number | undefined => {
  try {
    return JSON.parse(readFileSync(path, 'utf8')).pid as number;
  } catch {
    return undefined;
  }
};

it('a second distill on a live run is refused naming the pid; after a kill the stale lock does not block --resume', async () => {
  const { dir, recipe } = tinyRecipe({ steps: 1 });
  // A long first stage keeps the first process alive while the second one starts.
  const args = [BIN, 'distill', recipe, '--quiet', '--set', 'stages.0.steps=60', '--set', 'backend=cpu'];
  const lock = join(dir, 'run', RUN_LOCK);
  const first = spawn(process.execPath, args, { stdio: 'ignore' });
  const exited = new Promise((r) => first.on('exit', r));
  const deadline = Date.now() + 60_000;
  while (lockPid(lock) !== first.pid && Date.now() < deadline) await sleep(10);
  expect(lockPid(lock)).toBe(first.pid);

  const second = spawnSync(process.execPath, [...args, '--resume'], { encoding: 'utf8' });
  expect(first.exitCode, 'the first run was still alive').toBe(null);
  expect(second.status).toBe(1);
  const lines = second.stderr.trim().split('\n').filter((l) => !l.startsWith('tinybert: backend'));
  expect(lines).toEqual([expect.stringMatching(new RegExp(`^tinybert: error: .*run: in use by another tinybert run \\(pid ${first.pid}, since `))]);

  first.kill('SIGKILL');
  await exited;
  expect(lockPid(lock), 'the killed run left its lock').toBe(first.pid);
  const third = spawnSync(process.execPath, [...args, '--resume'], { encoding: 'utf8' });
  expect(third.status, third.stderr).toBe(0);
  expect(existsSync(join(dir, 'run', 'tp', 'done.json'))).toBe(true);
  expect(existsSync(lock)).toBe(false);
}, 300_000);
