/**
 * Broadcasting float32 binary kernels (Add, Sub, Mul, RealDiv, SquaredDifference, Maximum,
 * Minimum, Pow) as one native strided loop each; other dtypes use the cpu kernels.
 */
import { tf } from '../../tf.js';
import { BinaryOp } from '../addon.js';
import { addon, cpuBackend, f32, fallback, output, type TensorInfo } from '../util.js';
import { broadcastPlan } from './broadcast.js';

function binaryKernel(kernelName: string, op: number): tf.KernelConfig {
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
      const [out, ov] = output(backend, plan.outShape);
      if (ov.length > 0) addon().binary(op, av, bv, ov, plan.shape, plan.stridesA, plan.stridesB);
      return out;
    },
  };
}

export const binaryConfigs: tf.KernelConfig[] = [
  binaryKernel(tf.Add, BinaryOp.Add),
  binaryKernel(tf.Sub, BinaryOp.Sub),
  binaryKernel(tf.Multiply, BinaryOp.Mul),
  binaryKernel(tf.RealDiv, BinaryOp.Div),
  binaryKernel(tf.SquaredDifference, BinaryOp.SquaredDifference),
  binaryKernel(tf.Maximum, BinaryOp.Maximum),
  binaryKernel(tf.Minimum, BinaryOp.Minimum),
  binaryKernel(tf.Pow, BinaryOp.Pow),
];
