import { describe, expect, it } from 'vitest';
import {
  bfloat16ToFloat32,
  float16ToFloat32,
  float32ToFloat16,
  float32ToFloat16Bits,
} from '../../src/checkpoint/tensor-map.js';

const halfBytes = (...bits: number[]) => new Uint8Array(Uint16Array.from(bits).buffer);

describe('float16 -> float32', () => {
  it('decodes normals, zeros, subnormals, extremes, inf and NaN', () => {
    const v = float16ToFloat32(halfBytes(0x3c00, 0xc000, 0x0000, 0x8000, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x7c00, 0xfc00, 0x7e00, 0x3555));
    expect(Array.from(v.slice(0, 10))).toEqual([1, -2, 0, -0, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, 65504, Infinity, -Infinity]);
    expect(Object.is(v[3], -0)).toBe(true);
    expect(Number.isNaN(v[10])).toBe(true);
    expect(v[11]).toBe(0.333251953125);
  });

  it('round-trips every one of the 65536 bit patterns (NaN payloads included)', () => {
    const all = halfBytes(...Array.from({ length: 65536 }, (_, i) => i));
    const back = float32ToFloat16(float16ToFloat32(all));
    expect(Buffer.compare(Buffer.from(back), Buffer.from(all))).toBe(0);
  });
});

describe('float32 -> float16 rounding', () => {
  it('rounds to nearest, ties to even', () => {
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1).
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3 * 2^-11 is halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even): up.
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float32ToFloat16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    expect(float32ToFloat16Bits(0.1)).toBe(0x2e66);
  });

  it('overflow: 65519.99 stays finite, 65520 rounds to infinity', () => {
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65519)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-1e10)).toBe(0xfc00);
  });

  it('subnormals: rounds into the subnormal range, ties at half the smallest go to zero', () => {
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0x0000); // tie -> even (0)
    expect(float32ToFloat16Bits(2 ** -25 + 2 ** -40)).toBe(0x0001);
    expect(float32ToFloat16Bits(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 -> 2
    expect(float32ToFloat16Bits(-(2 ** -26))).toBe(0x8000);
    expect(float32ToFloat16Bits(2 ** -14 - 2 ** -26)).toBe(0x0400); // carries into the smallest normal
    expect(float32ToFloat16Bits(1e-45)).toBe(0x0000);
  });

  it('keeps NaN a NaN and the sign of zero', () => {
    expect(float32ToFloat16Bits(NaN) & 0x7e00).toBe(0x7e00);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
  });
});

describe('bfloat16 -> float32', () => {
  it('takes the upper half of float32', () => {
    const v = bfloat16ToFloat32(halfBytes(0x3f80, 0xc040, 0x7f80, 0x0001, 0x3dcd));
    expect(Array.from(v.slice(0, 4))).toEqual([1, -3, Infinity, 2 ** -133]);
    expect(v[4]).toBe(Math.fround(0.10009765625));
  });
});
