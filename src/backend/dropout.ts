/**
 * Seeded dropout as one kernel, `TinybertDropoutMask`: a keep-mask [shape] of 0 and 1/(1-rate).
 * tf.dropout draws its noise with tf.randomUniform, a JavaScript loop at ~30 ns per element —
 * about a second per TinyBERT-4L student step at batch 32 × 128, outside any kernel. The `native`
 * backend fills the mask in one multi-threaded pass; the `cpu` reference below is registered here.
 *
 * The stream is counter-based — u_i = top 24 bits of murmur3 fmix32(seed ^ (i · 0x9E3779B9)) / 2^24
 * (A. Appleby, MurmurHash3, finalizer `fmix32`), unit i kept when u_i ≥ rate — so the mask depends
 * only on (seed, i): every backend and every thread split gives the same bits, and a run resumed on
 * another backend drops the same units. Browser-safe (no node: imports).
 */
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { DROPOUT_MASK, dropoutMaskAttrs, type DropoutMaskAttrs } from './kernel-names.js';

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The reference implementation, for the `cpu` backend. */
export const dropoutMaskCpuConfig: tf.KernelConfig = {
  kernelName: DROPOUT_MASK,
  backendName: 'cpu',
  kernelFunc: ({ attrs, backend }) => {
    const { shape, rate, seed } = dropoutMaskAttrs(attrs ?? {});
    const scale = Math.fround(1 / (1 - rate));
    const threshold = Math.fround(rate);
    const v = new Float32Array(tf.util.sizeFromShape(shape));
    for (let i = 0; i < v.length; i++) {
      const u = (fmix32((seed ^ Math.imul(i, 0x9e3779b9)) >>> 0) >>> 8) / 16777216;
      v[i] = u >= threshold ? scale : 0;
    }
    return (backend as MathBackendCPU).makeTensorInfo(shape, 'float32', v);
  },
};

/** Registers the `cpu` reference kernel (once; tf.ts does it on import). */
export function registerCpuDropoutMask(): void {
  if (!tf.getKernel(DROPOUT_MASK, 'cpu')) tf.registerKernel(dropoutMaskCpuConfig);
}

/** The keep-mask [shape] of 0 and 1/(1-rate), on a backend that has the kernel. */
export function dropoutMask(shape: number[], rate: number, seed: number): tf.Tensor {
  const attrs: DropoutMaskAttrs = { shape, rate, seed };
  return tf.engine().runKernel(DROPOUT_MASK, {}, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/**
 * x · mask (rate 0: x itself). The gradient is dy · mask (the mask is a constant). On a backend
 * without the kernel (webgl, wasm) this falls back to tf.dropout with the same seed: the same
 * expectation, a different stream.
 */
export function dropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  if (rate <= 0) return x;
  if (!tf.getKernel(DROPOUT_MASK, tf.getBackend())) return tf.dropout(x, rate, undefined, seed);
  return tf.tidy(() => tf.mul(x, dropoutMask(x.shape, rate, seed)));
}
