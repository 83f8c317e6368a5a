/**
 * `dropout(x, rate, seed)`: x · mask with the TinybertDropoutMask kernel (one native pass instead
 * of tf.dropout's JavaScript random numbers). Same expectation as tf.dropout (kept units scaled by
 * 1/(1-rate)), a different random stream. The gradient is dy · mask (the mask is a constant).
 * Works on `native` and `cpu`; call `registerDropoutMaskKernels()` once (registerNativeBackend does).
 */
import { tf, type Tensor } from '../tf.js';
import { DROPOUT_MASK, dropoutMaskCpuConfig, type DropoutMaskAttrs } from './kernels/DropoutMask.js';

let cpuRegistered = false;

/** Registers the reference implementation on `cpu` (the native one is in the kernel array). */
export function registerDropoutMaskKernels(): void {
  if (cpuRegistered || tf.getKernel(DROPOUT_MASK, 'cpu')) return;
  tf.registerKernel(dropoutMaskCpuConfig);
  cpuRegistered = true;
}

/** The keep-mask [shape] of 0 and 1/(1-rate). */
export function dropoutMask(shape: number[], rate: number, seed: number): Tensor {
  registerDropoutMaskKernels();
  const attrs: DropoutMaskAttrs = { shape, rate, seed };
  return tf.engine().runKernel(DROPOUT_MASK, {}, attrs as unknown as tf.NamedAttrMap) as Tensor;
}

export function dropout(x: Tensor, rate: number, seed: number): Tensor {
  if (rate <= 0) return x;
  return tf.tidy(() => tf.mul(x, dropoutMask(x.shape, rate, seed)));
}
