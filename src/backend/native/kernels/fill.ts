/**
 * ZerosLike and Fill for float32 on `native`: an output drawn from the buffer pool and filled
 * (TypedArray.fill), instead of the cpu kernel's fresh zeroed array. Backpropagation asks for
 * ~150 zero tensors per distillation step (gradients of unused branches), many of them
 * [B, H, T, T]-sized. Other dtypes run the cpu kernels.
 */
import { tf } from '../../tf.js';
import { allocFloat32, cpuBackend, fallback, type TensorInfo } from '../util.js';

function filled(args: Parameters<tf.KernelFunc>[0], shape: number[], value: number): TensorInfo {
  const backend = cpuBackend(args);
  const n = tf.util.sizeFromShape(shape);
  const values = allocFloat32(backend, n, value === 0);
  if (value !== 0) values.fill(value);
  return backend.makeTensorInfo(shape, 'float32', values);
}

export const zerosLikeConfig: tf.KernelConfig = {
  kernelName: tf.ZerosLike,
  backendName: 'native',
  kernelFunc: (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    return x.dtype === 'float32' ? filled(args, x.shape.slice(), 0) : fallback(tf.ZerosLike, args);
  },
};

export const fillConfig: tf.KernelConfig = {
  kernelName: tf.Fill,
  backendName: 'native',
  kernelFunc: (args) => {
    const { shape, value, dtype } = args.attrs as unknown as tf.FillAttrs;
    const type = dtype ?? tf.util.inferDtype(value);
    return type === 'float32' && typeof value === 'number' ? filled(args, [...shape], value) : fallback(tf.Fill, args);
  },
};

export const fillConfigs = [zerosLikeConfig, fillConfig];
