/** AddN (gradient accumulation where a tensor feeds several ops) in one native pass. */
import { tf } from '../../tf.js';
import { addon, cpuBackend, f32, fallback, output, type TensorInfo } from '../util.js';

export const addNConfig: tf.KernelConfig = {
  kernelName: tf.AddN,
  backendName: 'native',
  kernelFunc: (args) => {
    const tensors = args.inputs as unknown as TensorInfo[];
    const backend = cpuBackend(args);
    const vals = tensors.map((t) => f32(backend, t));
    if (tensors.length === 0 || vals.some((v) => !v)) return fallback(tf.AddN, args);
    const [out, ov] = output(backend, tensors[0].shape.slice());
    if (ov.length > 0) addon().addN(vals as Float32Array[], ov);
    return out;
  },
};
