/** Select (tf.where, which broadcasts the condition to the operands' shape first). */
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
    if (!(cv instanceof Uint8Array) || !tv || !ev || cv.length !== tv.length || !tf.util.arraysEqual(t.shape, e.shape)) {
      return fallback(tf.Select, args);
    }
    const [out, ov] = output(backend, t.shape.slice());
    if (ov.length > 0) addon().select(cv, tv, ev, ov, 1);
    return out;
  },
};
