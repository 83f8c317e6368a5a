/** Tensors, temp dirs and byte helpers shared by the checkpoint format tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, expect } from 'vitest';
import { CheckpointError } from '../../src/errors.js';
import type { RawTensor, TensorMap } from '../../src/checkpoint/tensor-map.js';
import { concat, utf8 } from '../helpers/bytes.js';

export { concat, utf8 };

/** A fresh temporary directory, removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tinybert-ckpt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Deterministic pseudo-random float32 values (LCG), some of them awkward. */
export function tensor(shape: number[], seed: number): RawTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 2 ** 32 - 0.5) * 2 ** ((s % 17) - 8);
  }
  return { shape, data, dtype: 'F32' };
}

/** Values float32 stores but that break naive encoders: signed zero, extremes, subnormals, inf. */
export const SPECIAL_VALUES = [0, -0, 1, -1, 3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45,
  1.1754942106924411e-38, Infinity, -Infinity, 65504, 6.103515625e-5, 5.960464477539063e-8, 0.1];

/** A small state dict: matrix, vector, scalar, empty and 3-d tensors, plus special values. */
export function sampleTensors(): TensorMap {
  return new Map<string, RawTensor>([
    ['bert.embeddings.word_embeddings.weight', tensor([7, 5], 1)],
    ['bert.embeddings.LayerNorm.bias', tensor([5], 2)],
    ['scalar', tensor([], 3)],
    ['empty', tensor([0, 4], 4)],
    ['cube', tensor([2, 3, 4], 5)],
    ['special', { shape: [SPECIAL_VALUES.length], data: Float32Array.from(SPECIAL_VALUES), dtype: 'F32' }],
  ]);
}

/** Same names, shapes and bit patterns (NaN payloads and -0 included). */
export function expectSameTensors(actual: TensorMap, expected: TensorMap): void {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [name, e] of expected) {
    const a = actual.get(name)!;
    expect(a.shape, name).toEqual(e.shape);
    expectSameBits(a.data, e.data, name);
  }
}

export function expectSameBits(a: Float32Array, b: Float32Array, what: string): void {
  expect(a.length, `${what}: length`).toBe(b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) expect.fail(`${what}[${i}]: ${a[i]} (0x${ua[i]!.toString(16)}) != ${b[i]} (0x${ub[i]!.toString(16)})`);
  }
}

/** Runs fn, expects a CheckpointError, and checks its message contains every fragment. */
export function expectCheckpointError(fn: () => unknown, ...fragments: (string | RegExp)[]): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a CheckpointError').toBeInstanceOf(CheckpointError);
  const message = (error as Error).message;
  for (const f of fragments) {
    if (typeof f === 'string') expect(message).toContain(f);
    else expect(message).toMatch(f);
  }
}

/**
 * The system python with torch, as the golden fixtures were made; undefined when absent, so the
 * interop tests skip on a machine set up without it. CI (.ci/run sets TINYBERT_REQUIRE_CLIENTS)
 * installs it through `setup.sh --browser`, and there a missing torch is a failure, not a skip.
 */
export const TORCH_PYTHON = (() => {
  const python = '/usr/bin/python3';
  const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.status === 0) return python;
  if (process.env.TINYBERT_REQUIRE_CLIENTS) throw new Error(`${python} cannot import torch (apt-get install python3-torch); CI runs the torch interop tests`);
  process.stderr.write(`SKIPPED "torch interop": ${python} cannot import torch (apt-get install python3-torch, or ./setup.sh --browser)\n`);
  return undefined;
})();

/** Runs a python snippet (argv after the script) and returns its stdout; throws with stderr. */
export function runPython(script: string, args: string[]): string {
  const r = spawnSync(TORCH_PYTHON!, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
