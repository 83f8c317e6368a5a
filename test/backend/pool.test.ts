/** The native backend's output-buffer pool never hands out memory another tensor or the user holds. */
import { expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { NativeBackend } from '../../src/backend/native/backend.js';
import { describeNative, rand } from './parity.js';

describeNative('native buffer pool', () => {
  it('a disposed buffer is reused for the next output of the same length', async () => {
    await tf.setBackend('native');
    const backend = tf.backend() as unknown as { pooledByteCount: number };
    const a = tf.exp(rand([64, 64], 1));
    a.dispose();
    expect(backend.pooledByteCount).toBeGreaterThanOrEqual(64 * 64 * 4);
    const before = backend.pooledByteCount;
    const b = tf.exp(rand([64, 64], 2));
    expect(backend.pooledByteCount).toBe(before - 64 * 64 * 4);
    b.dispose();
  });

  it('a slice view of a disposed output keeps its values (views are never recycled)', async () => {
    await tf.setBackend('native');
    const x = tf.exp(rand([8, 16], 1));
    const view = tf.slice(x, [2, 0], [3, 16]); // the cpu kernel returns a subarray view
    const want = Array.from(tf.exp(rand([8, 16], 1)).slice([2, 0], [3, 16]).dataSync());
    x.dispose();
    const y = tf.exp(rand([8, 16], 5)); // same length as x: would reuse x's buffer
    expect(Array.from(view.dataSync())).toEqual(want);
    tf.dispose([view, y]);
  });

  it('an array returned by dataSync is not overwritten after the tensor is disposed', async () => {
    await tf.setBackend('native');
    const x = tf.exp(rand([32, 32], 1));
    const values = x.dataSync();
    const copy = Array.from(values);
    x.dispose();
    const y = tf.exp(rand([32, 32], 9));
    expect(Array.from(values)).toEqual(copy);
    y.dispose();
  });

  it('scatter-add output drawn from the pool starts from zero', async () => {
    await tf.setBackend('native');
    tf.exp(rand([4, 3], 1)).dispose(); // leaves a non-zero [4, 3] buffer in the pool
    const s = tf.unsortedSegmentSum(tf.ones([2, 3]), tf.tensor1d([0, 0], 'int32'), 4);
    expect(Array.from(s.dataSync())).toEqual([2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    s.dispose();
  });

  it('over its cap the pool drops the buffers returned longest ago, whatever their length', () => {
    const backend = new NativeBackend();
    backend.maxPooledBytes = 3 * 400;
    const [a, b, c, d] = [100, 50, 100, 100].map((n) => backend.allocFloat32(n)); // 400 or 200 bytes
    const giveBack = (v: Float32Array) => backend.disposeData(backend.makeTensorInfo([v.length], 'float32', v).dataId);
    for (const v of [a!, b!, c!]) giveBack(v);
    expect(backend.pooledByteCount).toBe(1000);
    giveBack(d!); // needs 400 more: the oldest (a) goes; b, although smaller, stays
    expect(backend.pooledByteCount).toBe(1000);
    expect(backend.allocFloat32(50)).toBe(b);
    const reused = [backend.allocFloat32(100), backend.allocFloat32(100)];
    expect(new Set(reused)).toEqual(new Set([c, d]));
    expect(backend.pooledByteCount).toBe(0);
    expect(backend.allocFloat32(100)).not.toBe(a); // a was dropped: a fresh array
    giveBack(backend.allocFloat32(400)); // larger than the cap: not pooled at all
    expect(backend.pooledByteCount).toBe(0);
  });
});
