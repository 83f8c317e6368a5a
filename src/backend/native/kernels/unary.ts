/**
 * Float32 unary kernels as native maps. Exp uses a vectorisable Cephes polynomial (native/src/vmath.h);
 * Erf the Abramowitz–Stegun 7.1.26 formula (|error| ≤ 1.5e-7), as the cpu kernel does.
 */
import { tf } from '../../tf.js';
import { UnaryOp } from '../addon.js';
import { addon, cpuBackend, f32, fallback, output, type TensorInfo } from '../util.js';

function unaryKernel(kernelName: string, op: number, alphaAttr?: string, alphaDefault = 0): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'native',
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      const backend = cpuBackend(args);
      const xv = f32(backend, x);
      if (!xv) return fallback(kernelName, args);
      const alpha = alphaAttr ? ((args.attrs as Record<string, unknown>)[alphaAttr] as number | undefined) : undefined;
      const [out, ov] = output(backend, x.shape.slice());
      if (ov.length > 0) addon().unary(op, xv, ov, alpha ?? alphaDefault);
      return out;
    },
  };
}

export const unaryConfigs: tf.KernelConfig[] = [
  unaryKernel(tf.Exp, UnaryOp.Exp),
  unaryKernel(tf.Log, UnaryOp.Log),
  unaryKernel(tf.Sqrt, UnaryOp.Sqrt),
  unaryKernel(tf.Rsqrt, UnaryOp.Rsqrt),
  unaryKernel(tf.Tanh, UnaryOp.Tanh),
  unaryKernel(tf.Erf, UnaryOp.Erf),
  unaryKernel(tf.Relu, UnaryOp.Relu),
  unaryKernel(tf.Relu6, UnaryOp.Relu6),
  unaryKernel(tf.Neg, UnaryOp.Neg),
  unaryKernel(tf.Square, UnaryOp.Square),
  unaryKernel(tf.Abs, UnaryOp.Abs),
  unaryKernel(tf.Sigmoid, UnaryOp.Sigmoid),
  unaryKernel(tf.Reciprocal, UnaryOp.Reciprocal),
  unaryKernel(tf.Step, UnaryOp.Step, 'alpha', 0),
  unaryKernel(tf.Log1p, UnaryOp.Log1p),
  unaryKernel(tf.Expm1, UnaryOp.Expm1),
  unaryKernel(tf.Elu, UnaryOp.Elu),
  unaryKernel(tf.LeakyRelu, UnaryOp.LeakyRelu, 'alpha', 0.2),
  unaryKernel(tf.Softplus, UnaryOp.Softplus),
];
