/**
 * TinybertDropoutMask: a seeded dropout keep-mask [shape] of 0 and 1/(1-rate), as one kernel.
 * tf.dropout draws its noise with tf.randomUniform, a JavaScript loop at ~30 ns per element (over
 * a second per TinyBERT-4L student step at batch 32 × 128); this is one native pass.
 *
 * The stream is counter-based — u_i = top 24 bits of murmur3 fmix32(seed ^ (i · 0x9E3779B9)) / 2^24
 * (A. Appleby, MurmurHash3, finalizer `fmix32`) — so the mask depends only on (seed, i): the cpu
 * implementation below and the addon agree bit for bit, however the work is split.
 */
import { tf } from '../../tf.js';
import { addon, cpuBackend, output } from '../util.js';

export const DROPOUT_MASK = 'TinybertDropoutMask';

export interface DropoutMaskAttrs {
  shape: number[];
  rate: number;
  seed: number;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function attrsOf(args: Parameters<tf.KernelFunc>[0]): DropoutMaskAttrs {
  const { shape, rate, seed } = args.attrs as unknown as DropoutMaskAttrs;
  if (!(rate >= 0 && rate < 1)) throw new Error(`${DROPOUT_MASK}: rate must be in [0, 1), got ${rate}`);
  return { shape, rate, seed: seed >>> 0 };
}

/** Reference implementation (any backend with CPU storage). */
export const dropoutMaskCpuConfig: tf.KernelConfig = {
  kernelName: DROPOUT_MASK,
  backendName: 'cpu',
  kernelFunc: (args) => {
    const { shape, rate, seed } = attrsOf(args);
    const scale = Math.fround(1 / (1 - rate));
    const [out, v] = output(cpuBackend(args), shape);
    for (let i = 0; i < v.length; i++) {
      const u = (fmix32((seed ^ Math.imul(i, 0x9e3779b9)) >>> 0) >>> 8) / 16777216;
      v[i] = u >= Math.fround(rate) ? scale : 0;
    }
    return out;
  },
};

export const dropoutMaskConfig: tf.KernelConfig = {
  kernelName: DROPOUT_MASK,
  backendName: 'native',
  kernelFunc: (args) => {
    const { shape, rate, seed } = attrsOf(args);
    const [out, v] = output(cpuBackend(args), shape);
    if (v.length > 0) addon().dropoutMask(v, seed, rate, Math.fround(1 / (1 - rate)));
    return out;
  },
};
