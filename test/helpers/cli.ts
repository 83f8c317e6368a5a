/** Spawning the built `tinybert` binary, and the shape every user mistake must have on stderr. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ROOT } from './shared.js';

export const BIN = join(ROOT, 'bin', 'tinybert.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tinybert ARGS` on the cpu backend from the repository root. */
export function tinybert(...args: string[]): CliResult {
  return tinybertIn(ROOT, args);
}

/** Runs `tinybert ARGS` on the cpu backend from `cwd`. */
export function tinybertIn(cwd: string, args: string[]): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, TINYBERT_BACKEND: 'cpu' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 1 and exactly one `tinybert: error: ...` line matching `message`, no stack trace. */
export function expectUserError(r: { code: number; stderr: string }, message: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('tinybert: backend'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^tinybert: error: /);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}
