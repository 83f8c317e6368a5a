/**
 * Cast of bool / int32 tensors to float32 with float32 storage. The cpu kernel keeps the source
 * array (a bool → float32 cast still holds a Uint8Array), so every native kernel fed with the result
 * fell back to its cpu reference: a keep-mask multiply in the attention-loss gradient ran a
 * JavaScript loop at ~90 ms per [32, 12, 128, 128] tensor. Other casts use the cpu kernel.
 */
import { tf } from '../../tf.js';
import { cpuBackend, fallback, output, valuesOf, type TensorInfo } from '../util.js';

export const castConfig: tf.KernelConfig = {
  kernelName: tf.Cast,
  backendName: 'native',
  kernelFunc: (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { dtype } = args.attrs as unknown as tf.CastAttrs;
    if (dtype !== 'float32' || (x.dtype !== 'bool' && x.dtype !== 'int32')) return fallback(tf.Cast, args);
    const backend = cpuBackend(args);
    const src = valuesOf(backend, x);
    if (!(src instanceof Uint8Array || src instanceof Int32Array)) return fallback(tf.Cast, args);
    const [out, values] = output(backend, x.shape.slice());
    values.set(src); // converts element by element (0/1 for bool, int32 rounded as Math.fround)
    return out;
  },
};
