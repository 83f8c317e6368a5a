/**
 * Sum, Mean, Max, Min, Prod over any axes of a float32 tensor. Contiguous axes reduce in place as
 * [outer, r, inner]; scattered axes are first transposed innermost (as the cpu kernels do).
 */
import { tf } from '../../tf.js';
import { ReduceOp } from '../addon.js';
import { addon, cpuBackend, f32, fallback, output, type TensorInfo } from '../util.js';

function reduceKernel(kernelName: string, op: number, axisAttr: 'axis' | 'reductionIndices'): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'native',
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      const attrs = args.attrs as Record<string, unknown>;
      const backend = cpuBackend(args);
      const xv = f32(backend, x);
      if (!xv || xv.length === 0) return fallback(kernelName, args);
      const keepDims = Boolean(attrs.keepDims);
      const axes = tf.util.parseAxisParam(attrs[axisAttr] as number | number[], x.shape).sort((p, q) => p - q);
      const rank = x.shape.length;
      const outShape = x.shape.filter((_, d) => !axes.includes(d));
      const keptShape = x.shape.map((n, d) => (axes.includes(d) ? 1 : n));
      const [out, ov] = output(backend, keepDims ? keptShape : outShape);
      const r = axes.reduce((p, d) => p * x.shape[d], 1);
      const contiguous = axes.every((d, i) => i === 0 || d === axes[i - 1] + 1);
      if (contiguous) {
        const first = axes.length ? axes[0] : rank;
        const outer = tf.util.sizeFromShape(x.shape.slice(0, first));
        const inner = tf.util.sizeFromShape(x.shape.slice(first + axes.length));
        addon().reduce(op, xv, ov, outer, r, inner);
      } else {
        const perm = [...x.shape.keys()].filter((d) => !axes.includes(d)).concat(axes);
        const moved = new Float32Array(xv.length);
        addon().transpose(xv, moved, x.shape, perm);
        addon().reduce(op, moved, ov, xv.length / r, r, 1);
      }
      return out;
    },
  };
}

export const reduceConfigs: tf.KernelConfig[] = [
  reduceKernel(tf.Sum, ReduceOp.Sum, 'axis'),
  reduceKernel(tf.Mean, ReduceOp.Mean, 'axis'),
  reduceKernel(tf.Max, ReduceOp.Max, 'reductionIndices'),
  reduceKernel(tf.Min, ReduceOp.Min, 'axis'),
  reduceKernel(tf.Prod, ReduceOp.Prod, 'axis'),
];
