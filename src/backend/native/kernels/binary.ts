/**
 * Broadcasting float32 binary kernels (Add, Sub, Mul, RealDiv, SquaredDifference, Maximum,
 * Minimum, Pow) as one native strided loop each; other dtypes use the cpu kernels.
 */
import { tf } from '../../tf.js';
import { BinaryOp } from '../addon.js';
import { addon, fallback, output } from '../util.js';
import { broadcastInputs } from './broadcast.js';

function binaryKernel(kernelName: string, op: number): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'native',
    kernelFunc: (args) => {
      const x = broadcastInputs(args);
      if (!x) return fallback(kernelName, args);
      const [out, ov] = output(x.backend, x.plan.outShape);
      if (ov.length > 0) addon().binary(op, x.a, x.b, ov, x.plan.shape, x.plan.stridesA, x.plan.stridesB);
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
