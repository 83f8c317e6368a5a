/**
 * The one numeric comparison helper. Fails on the worst element and names its flat index, the two
 * values and the tolerance. `maskedBelow`: entries whose expected value is <= that threshold (the
 * reference's -10000 masked attention scores) are compared with `maskedRtol` relative tolerance.
 */
import { expect } from 'vitest';

export interface CloseOptions {
  atol?: number;
  rtol?: number;
  maskedBelow?: number;
  maskedRtol?: number;
  what?: string;
}

export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-5, rtol = 0, maskedBelow, maskedRtol = 1e-6, what = 'tensor' }: CloseOptions = {},
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    const masked = maskedBelow !== undefined && e <= maskedBelow;
    const tol = masked ? Math.abs(e) * maskedRtol : atol + rtol * Math.abs(e);
    const diff = Math.abs(a - e);
    const excess = Number.isNaN(diff) ? Infinity : diff - tol;
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    const a = actual[worst];
    const e = expected[worst];
    expect.fail(
      `${what}: element ${worst} is ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > atol ${atol} + rtol ${rtol}·|e|)`,
    );
  }
}
