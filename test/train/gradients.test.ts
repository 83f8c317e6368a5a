import { describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { clipByGlobalNorm, disposeGrads, globalClipFactor, globalNorm, gradNorms, namedGrads } from '../../src/train/gradients.js';
import { expectClose } from '../helpers/close.js';

describe('namedGrads', () => {
  it('keys gradients by parameter name and omits parameters the loss does not reach', () => {
    const a = new Map([['w', tf.variable(tf.tensor1d([1, 2]))], ['unused', tf.variable(tf.tensor1d([3]))]]);
    const b = new Map([['fit_dense.bias', tf.variable(tf.tensor1d([0.5]))]]);
    const { value, grads } = namedGrads(() => tf.add(tf.sum(tf.square(a.get('w')!)), tf.sum(b.get('fit_dense.bias')!)) as tf.Scalar, a, b);
    expect(value.dataSync()[0]).toBeCloseTo(5.5, 6);
    expect([...grads.keys()].sort()).toEqual(['fit_dense.bias', 'w']); // `unused`: the reference's .grad is None
    expectClose(grads.get('w')!.dataSync(), [2, 4]);
    disposeGrads(grads);
  });
  it('skips non-trainable variables and rejects a variable listed twice', () => {
    const v = tf.variable(tf.scalar(2));
    const frozen = tf.variable(tf.scalar(1), false);
    const { grads } = namedGrads(() => tf.mul(v, frozen) as tf.Scalar, new Map([['v', v], ['frozen', frozen]]));
    expect([...grads.keys()]).toEqual(['v']);
    expect(() => namedGrads(() => tf.mul(v, 2) as tf.Scalar, new Map([['v', v]]), new Map([['again', v]]))).toThrow(/listed twice/);
  });
});

describe('norms and global clipping (torch clip_grad_norm_)', () => {
  const grads = new Map([['a', tf.tensor1d([3, 4])], ['b', tf.tensor1d([12])]]); // norms 5 and 12, total 13
  it('per-tensor and global norms', () => {
    expect([...gradNorms(grads).values()]).toEqual([5, 12]);
    expect(globalNorm(grads)).toBe(13);
  });
  it('factor min(1, max / (total + 1e-6)); off for max <= 0', () => {
    expect(globalClipFactor(grads, 1)).toBeCloseTo(1 / (13 + 1e-6), 12);
    expect(globalClipFactor(grads, 100)).toBe(1);
    expect(globalClipFactor(grads, 0)).toBe(1);
  });
  it('clipped copies have the target norm and leave the inputs alone', () => {
    const c = clipByGlobalNorm(grads, 1.3);
    expect(globalNorm(c)).toBeCloseTo(1.3, 5);
    expectClose(grads.get('a')!.dataSync(), [3, 4]);
    disposeGrads(c);
  });
});
