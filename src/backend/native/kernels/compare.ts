/**
 * Broadcasting float32 comparisons (Greater, GreaterEqual, Less, LessEqual, Equal, NotEqual) to
 * bool, e.g. the attention loss's `score <= -100` mask; other dtypes use the cpu kernels.
 */
import { tf } from '../../tf.js';
import { CompareOp } from '../addon.js';
import { addon, cpuBackend, f32, fallback, type TensorInfo } from '../util.js';
import { broadcastPlan } from './broadcast.js';

function compareKernel(kernelName: string, op: number): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'native',
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const backend = cpuBackend(args);
      const av = f32(backend, a);
      const bv = f32(backend, b);
      if (!av || !bv) return fallback(kernelName, args);
      const plan = broadcastPlan(a.shape, b.shape);
      const out = new Uint8Array(tf.util.sizeFromShape(plan.outShape));
      if (out.length > 0) addon().compare(op, av, bv, out, plan.shape, plan.stridesA, plan.stridesB);
      return backend.makeTensorInfo(plan.outShape, 'bool', out);
    },
  };
}

export const compareConfigs: tf.KernelConfig[] = [
  compareKernel(tf.Greater, CompareOp.Greater),
  compareKernel(tf.GreaterEqual, CompareOp.GreaterEqual),
  compareKernel(tf.Less, CompareOp.Less),
  compareKernel(tf.LessEqual, CompareOp.LessEqual),
  compareKernel(tf.Equal, CompareOp.Equal),
  compareKernel(tf.NotEqual, CompareOp.NotEqual),
];
