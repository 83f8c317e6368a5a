/** ZerosLike / Fill on native: pooled outputs, yet exactly the cpu kernel's values, for every dtype. */
import { expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { describeNative, expectParity, rand } from './parity.js';

describeNative('native ZerosLike and Fill', () => {
  it('match the cpu kernels (float32, int32, bool, scalars, empty)', async () => {
    await expectParity(() => [
      tf.zerosLike(rand([3, 5])),
      tf.onesLike(rand([2, 2])),
      tf.fill([4, 3], 2.5),
      tf.fill([], -1),
      tf.zerosLike(tf.tensor1d([1, 2], 'int32')).cast('float32'),
      tf.fill([3], 7, 'int32').cast('float32'),
      tf.zerosLike(tf.tensor1d([1, 0], 'bool')).cast('float32'),
      tf.zeros([0, 4]),
    ]);
  });

  it('a reused (dirty) pooled buffer comes back as zeros or the fill value', async () => {
    await tf.setBackend('native');
    tf.exp(rand([64, 33], 1)).dispose(); // leaves a non-zero buffer of this length in the pool
    expect(Array.from(tf.zerosLike(rand([64, 33], 2)).dataSync()).every((v) => v === 0)).toBe(true);
    tf.exp(rand([64, 33], 1)).dispose();
    expect(Array.from(tf.fill([64, 33], 3).dataSync()).every((v) => v === 3)).toBe(true);
  });
});

describeNative('native Cast to float32', () => {
  it('bool and int32 → float32 match the cpu kernel, with float32 storage native kernels can read', async () => {
    const cases = () => [
      tf.cast(tf.greater(rand([5, 7], 3), 0), 'float32'),
      tf.cast(tf.tensor1d([0, -3, 7, 2147483647, -2147483648], 'int32'), 'float32'),
      tf.cast(tf.zeros([0, 3], 'int32'), 'float32'),
      tf.cast(tf.tensor1d([1.5, -2.5]), 'int32').cast('float32'), // float → int32 stays on the cpu kernel
    ];
    await expectParity(cases, { atol: 0, rtol: 0 });
    await tf.setBackend('native');
    const c = tf.cast(tf.greater(rand([4], 3), 0), 'float32');
    const storage = (tf.backend() as unknown as { data: { get(id: object): { values: unknown } } }).data.get(c.dataId).values;
    expect(storage).toBeInstanceOf(Float32Array);
  });
});
