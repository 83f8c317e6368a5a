/**
 * Broadcasting float32 comparisons (Greater, GreaterEqual, Less, LessEqual, Equal, NotEqual) to
 * bool, e.g. the attention loss's `score <= -100` mask; other dtypes use the cpu kernels.
 */
import { tf } from '../../tf.js';
import { CompareOp } from '../addon.js';
import { addon, fallback } from '../util.js';
import { broadcastInputs } from './broadcast.js';

function compareKernel(kernelName: string, op: number): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'native',
    kernelFunc: (args) => {
      const x = broadcastInputs(args);
      if (!x) return fallback(kernelName, args);
      const out = new Uint8Array(tf.util.sizeFromShape(x.plan.outShape));
      if (out.length > 0) addon().compare(op, x.a, x.b, out, x.plan.shape, x.plan.stridesA, x.plan.stridesB);
      return x.backend.makeTensorInfo(x.plan.outShape, 'bool', out);
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
