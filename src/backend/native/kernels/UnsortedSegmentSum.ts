/**
 * UnsortedSegmentSum: the scatter-add behind the GatherV2 gradient (embedding tables). The cpu
 * kernel builds one equality mask per segment (21128 x rows x width for a vocab), this is one pass.
 */
import { tf } from '../../tf.js';
import { addon, cpuBackend, f32, fallback, i32, output, type TensorInfo } from '../util.js';

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'native',
  kernelFunc: (args) => {
    const { x, segmentIds } = args.inputs as { x: TensorInfo; segmentIds: TensorInfo };
    const { numSegments } = args.attrs as unknown as tf.UnsortedSegmentSumAttrs;
    const backend = cpuBackend(args);
    const xv = f32(backend, x);
    const ids = i32(backend, segmentIds);
    const idRank = segmentIds.shape.length;
    if (!xv || !ids || segmentIds.shape.some((d, i) => d !== x.shape[i])) return fallback(tf.UnsortedSegmentSum, args);
    const innerShape = x.shape.slice(idRank);
    const [out, ov] = output(backend, [numSegments, ...innerShape], true);
    const inner = tf.util.sizeFromShape(innerShape);
    if (ov.length > 0 && ids.length > 0) addon().segmentSum(xv, ids, ov, inner, numSegments);
    return out;
  },
};
