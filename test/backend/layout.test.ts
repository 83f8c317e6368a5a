/** Transpose, gather / scatter-add (embedding lookup and its gradient), select on native vs cpu. */
import { expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { describeNative, expectParity, rand, withGrads } from './parity.js';

describeNative('native transpose', () => {
  it('attention head split [B,T,H,D] -> [B,H,T,D], values and gradients', async () => {
    await expectParity(withGrads((x) => tf.transpose(x, [0, 2, 1, 3]), () => [rand([2, 5, 3, 4], 1)]));
  });

  for (const perm of [[1, 0], [2, 0, 1], [0, 2, 1], [3, 2, 1, 0], [1, 3, 0, 2]]) {
    it(`permutation [${perm}]`, async () => {
      const shape = [3, 4, 5, 6].slice(0, perm.length);
      await expectParity(() => tf.transpose(rand(shape, 2), perm));
    });
  }

  it('large 2-D transpose uses tiles and matches', async () => {
    await expectParity(() => tf.transpose(rand([300, 257], 3)));
  });

  it('size-1 dims are dropped before permuting', async () => {
    await expectParity(() => [tf.transpose(rand([1, 4, 1, 5], 4), [3, 2, 0, 1]), tf.transpose(rand([1, 1], 1))]);
  });

  it('int32 and bool tensors keep their dtype', async () => {
    await expectParity(() => [
      tf.cast(tf.transpose(tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32')), 'float32'),
      tf.cast(tf.transpose(tf.tensor2d([[1, 0, 1], [0, 0, 1]], [2, 3], 'bool')), 'float32'),
    ]);
  });

  it('empty tensors', async () => {
    await expectParity(() => tf.transpose(tf.zeros([0, 3, 2]), [2, 0, 1]));
  });
});

describeNative('native gather and segment sum', () => {
  it('embedding lookup [V,C] by [B,T] ids, values and the scatter-add gradient with repeated ids', async () => {
    const ids = [[0, 3, 3, 7], [7, 1, 0, 0]];
    await expectParity(withGrads((table) => tf.gather(table, tf.tensor2d(ids, [2, 4], 'int32')), () => [rand([10, 6], 1)]));
  });

  it('gather along axis 1 and of int32 params', async () => {
    await expectParity(() => [
      tf.gather(rand([3, 5, 4], 2), tf.tensor1d([4, 0, 2], 'int32'), 1),
      tf.cast(tf.gather(tf.tensor1d([5, 6, 7], 'int32'), tf.tensor1d([2, 2, 0], 'int32')), 'float32'),
    ]);
  });

  it('gather along axis 1, gradient', async () => {
    await expectParity(withGrads((x) => tf.gather(x, tf.tensor1d([4, 0, 4], 'int32'), 1), () => [rand([3, 5, 2], 2)]));
  });

  it('out-of-range index is an error naming the index', async () => {
    await tf.setBackend('native');
    expect(() => tf.gather(tf.ones([3, 2]), tf.tensor1d([3], 'int32'))).toThrow(/index value 3 is not in \[0, 2\]/);
  });

  it('empty indices give an empty result', async () => {
    await expectParity(() => tf.gather(rand([4, 3]), tf.tensor1d([], 'int32')));
  });

  it('unsortedSegmentSum drops negative and out-of-range ids', async () => {
    await expectParity(() => tf.unsortedSegmentSum(rand([5, 3], 1), tf.tensor1d([0, 2, -1, 2, 9], 'int32'), 4));
  });

  it('unsortedSegmentSum with wide rows (threaded column blocks)', async () => {
    await expectParity(() => tf.unsortedSegmentSum(rand([6, 700], 1), tf.tensor1d([0, 1, 1, 4, 0, 2], 'int32'), 5));
  });
});

describeNative('native select', () => {
  it('where with a same-shape condition, values and gradients', async () => {
    await expectParity(
      withGrads(
        (a, b) => tf.where(tf.greater(rand([4, 5], 3), 0), a, b),
        () => [rand([4, 5], 1), rand([4, 5], 2)],
      ),
    );
  });

  it('propagates NaN from the chosen side only', async () => {
    await expectParity(() => tf.where(tf.tensor1d([1, 0], 'bool'), tf.tensor1d([NaN, NaN]), tf.tensor1d([1, 2])));
  });
});
