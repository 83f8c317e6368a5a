/** Softmax over the last axis in one native pass per row (max-subtracted, as the cpu kernel does). */
import { tf } from '../../tf.js';
import { addon, cpuBackend, f32, fallback, output, type TensorInfo } from '../util.js';

export const softmaxConfig: tf.KernelConfig = {
  kernelName: tf.Softmax,
  backendName: 'native',
  kernelFunc: (args) => {
    const { logits } = args.inputs as { logits: TensorInfo };
    const { dim } = args.attrs as unknown as tf.SoftmaxAttrs;
    const backend = cpuBackend(args);
    const xv = f32(backend, logits);
    const rank = logits.shape.length;
    if (!xv || rank === 0 || (dim !== -1 && dim !== rank - 1)) return fallback(tf.Softmax, args);
    const cols = logits.shape[rank - 1];
    const [out, ov] = output(backend, logits.shape.slice());
    if (ov.length > 0) addon().softmax(xv, ov, ov.length / cols, cols);
    return out;
  },
};
