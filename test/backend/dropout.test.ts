/** The native dropout mask: same bits as the reference cpu kernel, right keep rate and scale, gradient. */
import { expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { dropout, dropoutMask } from '../../src/backend/dropout.js';
import { describeNative, expectParity, rand, withGrads } from './parity.js';

describeNative('native dropout mask', () => {
  it('matches the cpu reference bit for bit (counter-based stream, any thread split)', async () => {
    await expectParity(() => [dropoutMask([70_001], 0.1, 42), dropoutMask([3, 5], 0.5, 7)], { atol: 0, rtol: 0 });
  });

  it('keeps about 1 - rate of the units, scaled by 1/(1 - rate)', async () => {
    await tf.setBackend('native');
    const m = dropoutMask([200_000], 0.1, 3).dataSync();
    const kept = m.filter((v) => v !== 0);
    expect(kept.length / m.length).toBeCloseTo(0.9, 2);
    expect(new Set(kept).size).toBe(1);
    expect(kept[0]).toBeCloseTo(1 / 0.9, 6);
  });

  it('different seeds give different masks, the same seed the same mask', async () => {
    await tf.setBackend('native');
    const a = dropoutMask([1000], 0.5, 1).dataSync();
    const b = dropoutMask([1000], 0.5, 1).dataSync();
    const c = dropoutMask([1000], 0.5, 2).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('dropout(x) values and gradient (dy · mask) match the cpu backend', async () => {
    await expectParity(withGrads((x) => dropout(x, 0.3, 11), () => [rand([4, 33], 1)]));
  });

  it('rate 0 is the identity and an out-of-range rate is an error naming the value', async () => {
    await tf.setBackend('native');
    const x = rand([3]);
    expect(dropout(x, 0, 1)).toBe(x);
    expect(() => dropoutMask([3], 1, 1)).toThrow(/rate must be in \[0, 1\), got 1/);
  });
});
