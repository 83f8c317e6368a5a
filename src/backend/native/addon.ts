/**
 * Loads the compiled addon (native/build/Release/tinybert_native.node) and types its functions.
 * TINYBERT_NATIVE_ADDON overrides the path. Every function takes typed arrays owned by JavaScript
 * and writes a caller-allocated output, so no native memory outlives a call.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeAddon {
  /** out[i] = op(A[i]) · op(B[i]) for `batch` products [M, K]·[K, N]; strides 0 broadcast. */
  matmul(
    a: Float32Array, b: Float32Array, out: Float32Array, batch: number, m: number, n: number, k: number,
    transposeA: boolean, transposeB: boolean, strideA: number, strideB: number,
  ): void;
  /** Broadcast binary op over the collapsed output shape, reading a and b with element strides. */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, shape: number[], stridesA: number[], stridesB: number[]): void;
  /** As binary, writing 1/0 bytes (tfjs bool storage). */
  compare(op: number, a: Float32Array, b: Float32Array, out: Uint8Array, shape: number[], stridesA: number[], stridesB: number[]): void;
  addN(xs: Float32Array[], out: Float32Array): void;
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  /** x viewed as [outer, r, inner], reduced over r. */
  reduce(op: number, x: Float32Array, out: Float32Array, outer: number, r: number, inner: number): void;
  softmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /** LayerNorm over the last axis of [rows, cols]; mean and rstd [rows] kept for the gradient. */
  layerNorm(x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, mean: Float32Array, rstd: Float32Array, rows: number, cols: number, eps: number): void;
  layerNormGrad(dy: Float32Array, x: Float32Array, gamma: Float32Array, mean: Float32Array, rstd: Float32Array, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, rows: number, cols: number): void;
  /** Exact (erf) GELU and its gradient. */
  gelu(x: Float32Array, y: Float32Array): void;
  geluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  transpose(x: ArrayBufferView, out: ArrayBufferView, shape: number[], perm: number[]): void;
  /** x [outer, axis, inner] gathered by (validated) indices into out [outer, n, inner]. */
  gather(x: ArrayBufferView, indices: Int32Array, out: ArrayBufferView, outer: number, axis: number, inner: number): void;
  /** out [segments, inner] (zeroed) += rows of x [n, inner] by segment id. */
  segmentSum(x: Float32Array, ids: Int32Array, out: Float32Array, inner: number, segments: number): void;
  select(cond: Uint8Array, a: Float32Array, b: Float32Array, out: Float32Array, rowLen: number): void;
  /** Dropout keep-mask (see kernels/DropoutMask.ts): `scale` where uniform(seed, i) >= rate, else 0. */
  dropoutMask(out: Float32Array, seed: number, rate: number, scale: number): void;
  /** One optimizer step of one tensor into pOut, mOut, vOut (kernels/AdamUpdate.ts). */
  adamUpdate(
    p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array,
    pOut: Float32Array, mOut: Float32Array, vOut: Float32Array, params: AdamParams,
  ): void;
  /** Our pool's size; `blasThreads` > 1 lets OpenBLAS thread each GEMM itself instead. */
  setThreads(n: number, blasThreads?: number): void;
  threads(): number;
  blasConfig(): string;
}

/** native/src/kernels.h `AdamParams`: the scalars of one optimizer step (rounded to float32 there). */
export interface AdamParams {
  rule: number;
  gradScale: number;
  maxNorm: number;
  b1: number;
  oneMinusB1: number;
  b2: number;
  oneMinusB2: number;
  eps: number;
  lr: number;
  weightDecay: number;
  decay: boolean;
  decayMul: number;
  sqrtBc2: number;
  stepSize: number;
  bc1: number;
  bc2: number;
}

/** Operation codes shared with native/src/kernels.h. */
export const BinaryOp = { Add: 0, Sub: 1, Mul: 2, Div: 3, SquaredDifference: 4, Maximum: 5, Minimum: 6, Pow: 7 } as const;
export const CompareOp = { Greater: 0, GreaterEqual: 1, Less: 2, LessEqual: 3, Equal: 4, NotEqual: 5 } as const;
export const UnaryOp = {
  Exp: 0, Log: 1, Sqrt: 2, Rsqrt: 3, Tanh: 4, Erf: 5, Relu: 6, Neg: 7, Square: 8, Abs: 9, Sigmoid: 10,
  Reciprocal: 11, Step: 12, Log1p: 13, Expm1: 14, Elu: 15, LeakyRelu: 16, Softplus: 17, Relu6: 18, Copy: 19,
} as const;
export const ReduceOp = { Sum: 0, Mean: 1, Max: 2, Min: 3, Prod: 4 } as const;
export const AdamRule = { bertadam: 0, adamw: 1, lamb: 2 } as const;

const ADDON_FILE = join('native', 'build', 'Release', 'tinybert_native.node');

/** The package root: the nearest ancestor holding native/binding.gyp (works from src/ and dist/). */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'native', 'binding.gyp'))) return dir;
    dir = resolve(dir, '..');
  }
  return undefined;
}

let cached: NativeAddon | null | undefined;
let loadError: string | undefined;

/** The addon, or undefined when it is not built or does not load (see `addonLoadError`). */
export function loadAddon(): NativeAddon | undefined {
  if (cached !== undefined) return cached ?? undefined;
  const root = packageRoot();
  const path = process.env.TINYBERT_NATIVE_ADDON ?? (root ? join(root, ADDON_FILE) : undefined);
  if (!path || !existsSync(path)) {
    loadError = `addon not built (${path ?? ADDON_FILE} missing)`;
    cached = null;
    return undefined;
  }
  try {
    cached = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (e) {
    loadError = `addon ${path} failed to load: ${(e as Error).message}`;
    cached = null;
  }
  return cached ?? undefined;
}

export function addonLoadError(): string | undefined {
  return loadError;
}
