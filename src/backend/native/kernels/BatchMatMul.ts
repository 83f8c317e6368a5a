/**
 * BatchMatMul through BLAS (cblas_sgemm), for every transpose combination and for batch dims that
 * are equal or where one side has a single batch (broadcast). Other broadcasts use the cpu kernel.
 */
import { tf } from '../../tf.js';
import { addon, cpuBackend, f32, fallback, output, type KernelArgs, type TensorInfo } from '../util.js';

export interface MatMulPlan {
  outShape: number[];
  batch: number;
  m: number;
  n: number;
  k: number;
  strideA: number;
  strideB: number;
}

/** Shapes of `op(a) · op(b)`, or undefined for a batch broadcast the addon does not cover. */
export function matMulPlan(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): MatMulPlan | undefined {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) {
    throw new Error(
      `BatchMatMul: inner dims ${k} and ${kb} of shapes [${a.shape}] and [${b.shape}] (transposeA=${transposeA}, transposeB=${transposeB}) must match`,
    );
  }
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
  const batchA = tf.util.sizeFromShape(outerA);
  const batchB = tf.util.sizeFromShape(outerB);
  const batch = tf.util.sizeFromShape(outer);
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return undefined;
  return {
    outShape: [...outer, m, n],
    batch,
    m,
    n,
    k,
    strideA: batchA === 1 ? 0 : m * k,
    strideB: batchB === 1 ? 0 : k * n,
  };
}

/** Runs the product; returns undefined when the inputs need the cpu kernel. */
export function nativeMatMul(args: KernelArgs, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo | undefined {
  const backend = cpuBackend(args);
  const av = f32(backend, a);
  const bv = f32(backend, b);
  const plan = matMulPlan(a, b, transposeA, transposeB);
  if (!av || !bv || !plan) return undefined;
  const [out, ov] = output(backend, plan.outShape);
  if (ov.length > 0) {
    addon().matmul(av, bv, ov, plan.batch, plan.m, plan.n, plan.k, transposeA, transposeB, plan.strideA, plan.strideB);
  }
  return out;
}

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: tf.BatchMatMul,
  backendName: 'native',
  kernelFunc: (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    return nativeMatMul(args, a, b, transposeA, transposeB) ?? fallback(tf.BatchMatMul, args);
  },
};
