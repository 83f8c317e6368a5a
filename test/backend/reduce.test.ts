/** Reductions and softmax on native vs cpu: every axis, axis sets, keepDims, gradients, edge values. */
import { it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { describeNative, expectParity, rand, withGrads } from './parity.js';

const REDUCE: [string, (x: tf.Tensor, axis?: number | number[], keepDims?: boolean) => tf.Tensor][] = [
  ['sum', tf.sum],
  ['mean', tf.mean],
  ['max', tf.max],
  ['min', tf.min],
  ['prod', tf.prod],
];

describeNative('native reductions', () => {
  for (const [name, op] of REDUCE) {
    for (const axis of [0, 1, 2, -1]) {
      // tfjs-core's Prod gradient rejects negative axes on every backend.
      const grads = !(name === 'prod' && axis < 0);
      it(`${name} over axis ${axis} of [3,4,5], values${grads ? ' and gradients' : ''}`, async () => {
        const inputs = () => [rand([3, 4, 5], 5, 1.5)];
        await expectParity(grads ? withGrads((x) => op(x, axis), inputs) : () => op(inputs()[0], axis));
      });
    }
    it(`${name} over non-adjacent axes [0,2] with keepDims`, async () => {
      await expectParity(withGrads((x) => op(x, [0, 2], true), () => [rand([3, 4, 5], 5, 1.5)]));
    });
    it(`${name} over all axes`, async () => {
      await expectParity(() => [op(rand([3, 4, 5], 5, 1.1)), op(rand([3, 4, 5], 5, 1.1), [0, 1, 2], true)]);
    });
    it(`${name} over a size-1 axis`, async () => {
      await expectParity(() => op(rand([3, 1, 5], 5), 1));
    });
    it(`${name} propagates NaN and Inf`, async () => {
      await expectParity(() => [
        op(tf.tensor2d([[1, NaN, 3], [Infinity, 2, 1], [-Infinity, 0, 5]]), 1),
        op(tf.tensor2d([[1, NaN, 3], [Infinity, 2, 1], [-Infinity, 0, 5]]), 0),
      ]);
    });
  }

  it('sum of a long row is split across threads and still matches', async () => {
    await expectParity(() => [tf.sum(rand([300_000], 3)), tf.max(rand([300_000], 4)), tf.mean(rand([2, 200_000], 5), 1)], {
      rtol: 1e-5,
      atol: 1e-4,
    });
  });

  it('column sums of a [B*T, C] gradient (bias gradient) match', async () => {
    await expectParity(() => tf.sum(rand([4096, 312], 3), 0), { atol: 1e-4 });
  });

  it('large magnitudes: sums beyond float32 range overflow to Inf', async () => {
    await expectParity(() => [tf.sum(tf.tensor1d([3e38, 3e38])), tf.mean(tf.tensor1d([1e30, 3e30]))]);
  });

  it('reductions of empty tensors fall back to the reference', async () => {
    await expectParity(() => [tf.sum(tf.zeros([0, 3]), 0), tf.sum(tf.zeros([3, 0]), 1)]);
  });
});

describeNative('native softmax', () => {
  it('softmax over the last axis, values and gradients', async () => {
    await expectParity(withGrads((x) => tf.softmax(x), () => [rand([2, 3, 7, 9], 1, 4)]));
  });

  it('masked positions (-10000 added) get zero probability like the reference', async () => {
    const mask = tf.tensor1d([0, 0, -10000, -10000]);
    await expectParity(withGrads((x) => tf.softmax(tf.add(x, mask)), () => [rand([3, 4], 2)]));
  });

  it('overflow: huge logits stay finite after max subtraction', async () => {
    await expectParity(() => tf.softmax(tf.tensor2d([[1e30, 1e30, 0], [3e38, -3e38, 1]])));
  });

  it('propagates NaN and -Inf rows', async () => {
    await expectParity(() => tf.softmax(tf.tensor2d([[NaN, 1, 2], [-Infinity, -Infinity, -Infinity], [-Infinity, 0, 1]])));
  });

  it('size-1 last axis and empty batches', async () => {
    await expectParity(() => [tf.softmax(rand([4, 1])), tf.softmax(tf.zeros([0, 5]))]);
  });

  it('logSoftmax built on the native kernels matches', async () => {
    await expectParity(withGrads((x) => tf.logSoftmax(x), () => [rand([5, 11], 3, 5)]));
  });
});
