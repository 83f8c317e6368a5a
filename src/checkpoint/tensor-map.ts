/**
 * The in-memory form every weight file format reads into and writes from: a map of named float32
 * tensors that remember the dtype they had on disk, plus the float16 / bfloat16 <-> float32 bit
 * conversions the formats share. Pure (no Node imports) so the browser decoder can use it.
 *
 * Half precision (IEEE 754 binary16): 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits;
 * exponent 0 = zero / subnormal (mantissa * 2^-24), exponent 31 = inf / NaN.
 * bfloat16: the upper 16 bits of a float32 (1 sign, 8 exponent, 7 mantissa).
 */
import { CheckpointError } from '../errors.js';

/** Element type of a tensor as stored in a file; in memory data is always float32. */
export type DType = 'F32' | 'F16' | 'BF16';

export interface RawTensor {
  /** Row-major dimensions; [] for a scalar. */
  shape: number[];
  /** Row-major values, always float32 in memory. */
  data: Float32Array;
  /** dtype the tensor had on disk (F16/BF16 values were widened exactly). */
  dtype: DType;
}

/** Named tensors in file order (Map keeps insertion order, which writers preserve). */
export type TensorMap = Map<string, RawTensor>;

/** Bytes per element on disk. */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = { F32: 4, F16: 2, BF16: 2 };

/** Product of the dimensions (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** True for a list of non-negative safe integers, the only valid tensor shape. */
export function isShape(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/**
 * Every format here stores little-endian bytes and reinterprets them through typed arrays, which
 * use the host's byte order; all platforms Node and browsers run on today are little-endian.
 */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function assertLittleEndianHost(): void {
  if (!HOST_IS_LITTLE_ENDIAN) {
    throw new CheckpointError('weight files are little-endian and this host is big-endian; not supported');
  }
}

/** Checks a tensor before writing: its data length must match its shape. */
export function checkTensor(file: string, name: string, t: RawTensor): void {
  if (name.length === 0) throw new CheckpointError(`${file}: cannot write a tensor with an empty name`);
  if (!isShape(t.shape)) {
    throw new CheckpointError(`${file}: tensor "${name}" has invalid shape ${JSON.stringify(t.shape)}`);
  }
  if (t.data.length !== numel(t.shape)) {
    throw new CheckpointError(
      `${file}: tensor "${name}" has ${t.data.length} values but shape [${t.shape.join(', ')}] needs ${numel(t.shape)}`,
    );
  }
}

/** The little-endian bytes of a float32 array, without copying. */
export function float32Bytes(data: Float32Array): Uint8Array {
  assertLittleEndianHost();
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Decodes little-endian float32 bytes into a fresh, aligned Float32Array (copies). */
export function float32FromBytes(bytes: Uint8Array): Float32Array {
  assertLittleEndianHost();
  return new Float32Array(bytes.slice().buffer, 0, bytes.length >>> 2);
}

/** float16 bits -> float32 bits, built once: every binary16 value is exact in binary32. */
let halfTable: Uint32Array | undefined;

function buildHalfTable(): Uint32Array {
  const table = new Uint32Array(65536);
  const scratch = new Float32Array(1);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) {
      scratch[0] = mant * 2 ** -24; // zero or subnormal, exact
      table[h] = (sign | new Uint32Array(scratch.buffer)[0]!) >>> 0;
    } else if (exp === 0x1f) {
      table[h] = (sign | 0x7f800000 | (mant << 13)) >>> 0; // inf, or NaN keeping its payload
    } else {
      table[h] = (sign | ((exp - 15 + 127) << 23) | (mant << 13)) >>> 0;
    }
  }
  return table;
}

// Conversions work on bit patterns through Uint32Array views: reading a float32 NaN into a JS
// number may change its payload, bits never do.

/** Widens little-endian float16 bytes to float32 (exact). */
export function float16ToFloat32(bytes: Uint8Array): Float32Array {
  const table = (halfTable ??= buildHalfTable());
  const n = bytes.length >>> 1;
  const out = new Float32Array(n);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) bits[i] = table[bytes[2 * i]! | (bytes[2 * i + 1]! << 8)]!;
  return out;
}

/** Widens little-endian bfloat16 bytes to float32 (exact: they are its upper half). */
export function bfloat16ToFloat32(bytes: Uint8Array): Float32Array {
  const n = bytes.length >>> 1;
  const out = new Float32Array(n);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) bits[i] = ((bytes[2 * i]! | (bytes[2 * i + 1]! << 8)) << 16) >>> 0;
  return out;
}

/** Rounds q (a truncated result) up when the dropped bits r exceed half, or tie and q is odd. */
function roundNearestEven(q: number, r: number, half: number): number {
  return r > half || (r === half && (q & 1) === 1) ? q + 1 : q;
}

/** float32 value -> float16 bits (see float32BitsToFloat16Bits). */
export function float32ToFloat16Bits(value: number): number {
  return float32BitsToFloat16Bits(new Uint32Array(Float32Array.of(value).buffer)[0]!);
}

/**
 * float32 bits -> float16 bits, rounding to nearest even; overflow gives inf, tiny values become
 * subnormals or signed zero, NaN stays NaN (upper payload bits kept, never turned into inf).
 */
export function float32BitsToFloat16Bits(b: number): number {
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? (mant >>> 13) || 0x200 : 0);
  const e = exp - 127 + 15; // biased float16 exponent
  if (e >= 0x1f) return sign | 0x7c00;
  if (e >= 1) {
    // Normal: keep 10 mantissa bits; a carry out of the mantissa correctly bumps the exponent
    // (up to 0x7c00 = inf for values >= 65520).
    return sign | roundNearestEven((e << 10) | (mant >>> 13), mant & 0x1fff, 0x1000);
  }
  // Subnormal result in units of 2^-24: (1.mant * 2^(exp-127)) / 2^-24 = m >> shift.
  if (exp === 0) return sign; // float32 subnormals are far below half the float16 minimum
  const m = mant | 0x800000;
  const shift = 14 - e; // 14 for e = 0 ... 24 rounds 2^-25 (a tie) to zero
  if (shift > 24) return sign;
  const q = m >>> shift;
  const r = m & ((1 << shift) - 1);
  return sign | roundNearestEven(q, r, 1 << (shift - 1));
}

/** Narrows float32 values to little-endian float16 bytes (round to nearest even). */
export function float32ToFloat16(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 2);
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  for (let i = 0; i < data.length; i++) {
    const h = float32BitsToFloat16Bits(bits[i]!);
    out[2 * i] = h & 0xff;
    out[2 * i + 1] = h >>> 8;
  }
  return out;
}

/** Decodes little-endian bytes of the given on-disk dtype to float32. */
export function decodeFloats(bytes: Uint8Array, dtype: DType): Float32Array {
  switch (dtype) {
    case 'F32':
      return float32FromBytes(bytes);
    case 'F16':
      return float16ToFloat32(bytes);
    case 'BF16':
      return bfloat16ToFloat32(bytes);
  }
}

/**
 * Integer buffers that Hugging Face checkpoints of 2020-2023 store beside the weights
 * (`embeddings.position_ids`, `embeddings.token_type_ids`): not parameters, so readers skip them
 * instead of refusing the file for its int64 dtype.
 */
export const INTEGER_BUFFER = /(^|\.)embeddings\.(position_ids|token_type_ids)$/;

/** Bytes per element of the integer and bool dtypes such buffers use (safetensors names). */
export const BUFFER_DTYPE_BYTES: Readonly<Record<string, number>> = { I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
