import { expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { useBackend } from '../helpers/backends.js';

it('cpu UnsortedSegmentSum adds each row into its segment, dropping ids out of range', async () => {
  await useBackend('cpu');
  const x = tf.tensor3d([[[1, 2]], [[3, 4]], [[5, 6]], [[7, 8]]]); // [4, 1, 2]
  const ids = tf.tensor1d([2, 0, 2, -1], 'int32');
  const out = tf.unsortedSegmentSum(x, ids, 3);
  expect(out.shape).toEqual([3, 1, 2]);
  expect(Array.from(out.dataSync())).toEqual([3, 4, 0, 0, 6, 8]);
  const ints = tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3], 'int32'), tf.tensor1d([1, 1, 5], 'int32'), 2);
  expect(ints.dtype).toBe('int32');
  expect(Array.from(ints.dataSync())).toEqual([0, 3]);
});
