/** GatherV2 along any axis (batchDims 0): row copies, e.g. the embedding lookup [V, C] -> [N, C]. */
import { tf } from '../../tf.js';
import { addon, allocFloat32, cpuBackend, fallback, i32, valuesOf, type TensorInfo } from '../util.js';

export const gatherV2Config: tf.KernelConfig = {
  kernelName: tf.GatherV2,
  backendName: 'native',
  kernelFunc: (args) => {
    const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
    const { axis, batchDims } = args.attrs as unknown as tf.GatherV2Attrs;
    const backend = cpuBackend(args);
    const xv = valuesOf(backend, x);
    const iv = i32(backend, indices);
    if (!iv || (batchDims ?? 0) !== 0 || !ArrayBuffer.isView(xv) || x.dtype === 'complex64' || x.dtype === 'string') {
      return fallback(tf.GatherV2, args);
    }
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const axisDim = x.shape[ax];
    for (let i = 0; i < iv.length; i++) {
      const v = iv[i];
      if (v < 0 || v >= axisDim) throw new Error(`GatherV2: the index value ${v} is not in [0, ${axisDim - 1}]`);
    }
    const outShape = [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)];
    const n = tf.util.sizeFromShape(outShape);
    const values = xv instanceof Float32Array ? allocFloat32(backend, n) : new (xv.constructor as new (n: number) => tf.TypedArray)(n);
    if (values.length > 0) {
      const outer = tf.util.sizeFromShape(x.shape.slice(0, ax));
      const inner = tf.util.sizeFromShape(x.shape.slice(ax + 1));
      addon().gather(xv, iv, values, outer, axisDim, inner);
    }
    return backend.makeTensorInfo(outShape, x.dtype, values);
  },
};
