/** Select (tf.where): condition of the same shape, or rank 1 choosing whole rows of a and b. */
import { tf } from '../../tf.js';
import { addon, cpuBackend, f32, fallback, output, valuesOf, type TensorInfo } from '../util.js';

export const selectConfig: tf.KernelConfig = {
  kernelName: tf.Select,
  backendName: 'native',
  kernelFunc: (args) => {
    const { condition, t, e } = args.inputs as { condition: TensorInfo; t: TensorInfo; e: TensorInfo };
    const backend = cpuBackend(args);
    const cv = valuesOf(backend, condition);
    const tv = f32(backend, t);
    const ev = f32(backend, e);
    if (!(cv instanceof Uint8Array) || !tv || !ev || !tf.util.arraysEqual(t.shape, e.shape)) return fallback(tf.Select, args);
    const rowLen = tv.length / Math.max(1, cv.length);
    if (cv.length !== tv.length && !(condition.shape.length === 1 && condition.shape[0] === t.shape[0])) {
      return fallback(tf.Select, args);
    }
    const [out, ov] = output(backend, t.shape.slice());
    if (ov.length > 0) addon().select(cv, tv, ev, ov, rowLen);
    return out;
  },
};
