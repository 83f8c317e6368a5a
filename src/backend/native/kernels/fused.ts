/**
 * The fused LayerNorm and GELU kernels (forward and gradient) of src/backend/fused-ops.ts on
 * `native`. Float32 only: the model calls them with float32 activations and parameters.
 */
import { GELU, GELU_GRAD, LAYER_NORM, LAYER_NORM_GRAD, type LayerNormAttrs } from '../../kernel-names.js';
import { tf } from '../../tf.js';
import { addon, cpuBackend, f32, output, type KernelArgs, type TensorInfo } from '../util.js';

function floats(args: KernelArgs, name: string, t: TensorInfo): Float32Array {
  const v = f32(cpuBackend(args), t);
  if (!v) throw new Error(`tinybert native: ${name} needs float32 input, got ${t.dtype}`);
  return v;
}

/** [rows, cols] of a tensor normalised over its last axis. */
function rowsCols(x: TensorInfo): [number, number] {
  const cols = x.shape[x.shape.length - 1] ?? 1;
  return [cols === 0 ? 0 : tf.util.sizeFromShape(x.shape) / cols, cols];
}

export const layerNormConfig: tf.KernelConfig = {
  kernelName: LAYER_NORM,
  backendName: 'native',
  kernelFunc: (args) => {
    const { x, gamma, beta } = args.inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
    const { eps } = args.attrs as unknown as LayerNormAttrs;
    const backend = cpuBackend(args);
    const [rows, cols] = rowsCols(x);
    if (gamma.shape.length !== 1 || gamma.shape[0] !== cols || beta.shape.length !== 1 || beta.shape[0] !== cols) {
      throw new Error(`${LAYER_NORM}: gamma and beta must be [${cols}], got [${gamma.shape}] and [${beta.shape}]`);
    }
    const [y, yv] = output(backend, x.shape.slice());
    const [mean, mv] = output(backend, [rows]);
    const [rstd, rv] = output(backend, [rows]);
    if (yv.length > 0) addon().layerNorm(floats(args, LAYER_NORM, x), floats(args, LAYER_NORM, gamma), floats(args, LAYER_NORM, beta), yv, mv, rv, rows, cols, eps);
    return [y, mean, rstd];
  },
};

export const layerNormGradConfig: tf.KernelConfig = {
  kernelName: LAYER_NORM_GRAD,
  backendName: 'native',
  kernelFunc: (args) => {
    const { dy, x, gamma, mean, rstd } = args.inputs as Record<'dy' | 'x' | 'gamma' | 'mean' | 'rstd', TensorInfo>;
    const backend = cpuBackend(args);
    const [rows, cols] = rowsCols(x);
    const [dx, dxv] = output(backend, x.shape.slice());
    const [dgamma, dgv] = output(backend, [cols], true);
    const [dbeta, dbv] = output(backend, [cols], true);
    if (dxv.length > 0) {
      const f = (t: TensorInfo) => floats(args, LAYER_NORM_GRAD, t);
      addon().layerNormGrad(f(dy), f(x), f(gamma), f(mean), f(rstd), dxv, dgv, dbv, rows, cols);
    }
    return [dx, dgamma, dbeta];
  },
};

export const geluConfig: tf.KernelConfig = {
  kernelName: GELU,
  backendName: 'native',
  kernelFunc: (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const [y, yv] = output(cpuBackend(args), x.shape.slice());
    if (yv.length > 0) addon().gelu(floats(args, GELU, x), yv);
    return y;
  },
};

export const geluGradConfig: tf.KernelConfig = {
  kernelName: GELU_GRAD,
  backendName: 'native',
  kernelFunc: (args) => {
    const { dy, x } = args.inputs as { dy: TensorInfo; x: TensorInfo };
    const [dx, dxv] = output(cpuBackend(args), x.shape.slice());
    if (dxv.length > 0) addon().geluGrad(floats(args, GELU_GRAD, dy), floats(args, GELU_GRAD, x), dxv);
    return dx;
  },
};

export const fusedConfigs = [layerNormConfig, layerNormGradConfig, geluConfig, geluGradConfig];
