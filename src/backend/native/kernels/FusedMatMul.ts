/**
 * _FusedMatMul (matmul + bias + activation, what tf.fused.matMul and tf.layers.dense emit):
 * BLAS product, then the bias add and activation as native elementwise passes.
 */
import { tf } from '../../tf.js';
import { BinaryOp, UnaryOp } from '../addon.js';
import { addon, cpuBackend, f32, fallback, type KernelArgs, type TensorInfo } from '../util.js';
import { nativeMatMul } from './BatchMatMul.js';
import { broadcastPlan } from './broadcast.js';

const ACTIVATIONS: Partial<Record<string, number>> = {
  relu: UnaryOp.Relu,
  relu6: UnaryOp.Relu6,
  elu: UnaryOp.Elu,
  leakyrelu: UnaryOp.LeakyRelu,
  sigmoid: UnaryOp.Sigmoid,
};

function fusedMatMul(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { a, b, bias, preluActivationWeights } = args.inputs as {
    a: TensorInfo;
    b: TensorInfo;
    bias?: TensorInfo;
    preluActivationWeights?: TensorInfo;
  };
  const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs as unknown as tf._FusedMatMulAttrs;
  const backend = cpuBackend(args);
  const act = activation === 'linear' ? undefined : ACTIVATIONS[activation];
  if (preluActivationWeights || (activation !== 'linear' && act === undefined)) return fallback(tf._FusedMatMul, args);
  if (bias && !f32(backend, bias)) return fallback(tf._FusedMatMul, args);
  const out = nativeMatMul(args, a, b, transposeA, transposeB);
  if (!out) return fallback(tf._FusedMatMul, args);
  const ov = f32(backend, out)!;
  if (ov.length === 0) return out;
  if (bias) {
    const plan = broadcastPlan(out.shape, bias.shape);
    if (plan.outShape.length !== out.shape.length || plan.outShape.some((d, i) => d !== out.shape[i])) {
      backend.disposeIntermediateTensorInfo(out);
      return fallback(tf._FusedMatMul, args);
    }
    addon().binary(BinaryOp.Add, ov, f32(backend, bias)!, ov, plan.shape, plan.stridesA, plan.stridesB);
  }
  if (act !== undefined) addon().unary(act, ov, ov, leakyreluAlpha ?? 0.2);
  return out;
}

export const fusedMatMulConfig: tf.KernelConfig = {
  kernelName: tf._FusedMatMul,
  backendName: 'native',
  kernelFunc: fusedMatMul,
};
