/**
 * Runs one case on the reference `cpu` backend and on `native` and compares every output.
 * Inputs are built inside the case from deterministic data, so each backend owns its tensors.
 * Non-finite values must match exactly (NaN with NaN, ±Inf with the same sign); finite ones
 * within the stated tolerance.
 */
import { describe, expect } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { registerNativeBackend, addonLoadError } from '../../src/backend/native/index.js';
import { expectClose, type CloseOptions } from '../helpers/close.js';

export const nativeDescription = registerNativeBackend();
// The reference backend's "install tfjs-node" banner would clutter every test run.
(tf.findBackend('cpu') as unknown as { firstUse: boolean }).firstUse = false;

/** `describe` that skips, visibly, when the addon is not built. */
export function describeNative(name: string, fn: () => void): void {
  if (nativeDescription) {
    describe(name, fn);
    return;
  }
  process.stderr.write(`SKIPPED "${name}": ${addonLoadError() ?? 'native addon unavailable'} (npm run build:native)\n`);
  describe.skip(`${name} [skipped: native addon not built]`, fn);
}

/** Deterministic values in [-scale, scale) from a small LCG. */
export function data(n: number, seed = 1, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

export function rand(shape: number[], seed = 1, scale = 1): tf.Tensor {
  return tf.tensor(data(tf.util.sizeFromShape(shape), seed, scale), shape, 'float32');
}

type Case = () => tf.Tensor | tf.Tensor[];

async function runOn(backend: string, fn: Case): Promise<{ shape: number[]; values: Float32Array }[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(() => {
    const r = fn();
    return Array.isArray(r) ? r : [r];
  });
  const res = outs.map((t) => ({ shape: t.shape.slice(), values: Float32Array.from(t.dataSync() as ArrayLike<number>) }));
  tf.dispose(outs);
  return res;
}

export function expectSameValues(actual: Float32Array, expected: Float32Array, opts: CloseOptions): void {
  const what = opts.what ?? 'tensor';
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const a = Float32Array.from(actual);
  const e = Float32Array.from(expected);
  for (let i = 0; i < e.length; i++) {
    if (Number.isFinite(e[i]) && Number.isFinite(a[i])) continue;
    const same = Number.isNaN(e[i]) ? Number.isNaN(a[i]) : a[i] === e[i];
    expect(same, `${what}: element ${i} is ${a[i]}, expected ${e[i]}`).toBe(true);
    a[i] = 0;
    e[i] = 0;
  }
  expectClose(a, e, opts);
}

/** Asserts that `fn` gives the same shapes and values on native as on cpu. */
export async function expectParity(fn: Case, opts: CloseOptions = {}): Promise<void> {
  const want = await runOn('cpu', fn);
  const got = await runOn('native', fn);
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const what = `${opts.what ?? 'output'}[${i}]`;
    expect(got[i].shape, `${what}: shape`).toEqual(want[i].shape);
    expectSameValues(got[i].values, want[i].values, { atol: 1e-5, rtol: 1e-5, ...opts, what });
  }
}

/** Values and the gradients of sum(f(x) * w) with respect to every input, for a fixed weight w. */
export function withGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: () => tf.Tensor[]): Case {
  return () => {
    const xs = inputs();
    const y = f(...xs);
    const w = rand(y.shape, 99);
    const grads = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(f(...args), w)))(xs);
    return [y, ...grads];
  };
}
