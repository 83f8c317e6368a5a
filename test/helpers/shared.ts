/**
 * Paths to ../shared (golden fixtures, research-only data) and a `describe` that skips with a
 * visible message when they are absent, as a user's fresh clone has no ../shared.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED = resolve(ROOT, '..', 'shared');
export const GOLDEN = join(SHARED, 'golden');
export const DATA = join(SHARED, 'data');
export const hasGolden = existsSync(join(GOLDEN, 'batch.json'));
export const hasData = existsSync(join(DATA, 'vocab', 'zh_vocab_21128.txt'));

function describeIf(ok: boolean, what: string) {
  return (name: string, fn: () => void) => {
    if (ok) return describe(name, fn);
    process.stderr.write(`SKIPPED "${name}": ${what} not found (tests that need ../shared skip on a fresh clone)\n`);
    return describe.skip(`${name} [skipped: ${what} absent]`, fn);
  };
}

export const describeGolden = describeIf(hasGolden, `${GOLDEN}`);
export const describeData = describeIf(hasData, `${DATA}`);

export interface TensorJson {
  shape: number[];
  data: number[];
}

export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function golden<T = unknown>(rel: string): T {
  return readJson<T>(join(GOLDEN, rel));
}
