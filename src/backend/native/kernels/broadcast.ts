/**
 * Broadcasting plan for binary kernels: the output shape, and for each input the element stride
 * on every output dim (0 where the input is broadcast). Adjacent dims are merged when both inputs
 * stay contiguous (or both broadcast) across them, so the addon's inner loop is as long as possible.
 */
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { tf } from '../../tf.js';
import { cpuBackend, f32, type KernelArgs, type TensorInfo } from '../util.js';

export interface BroadcastPlan {
  outShape: number[];
  shape: number[];
  stridesA: number[];
  stridesB: number[];
}

function strides(inShape: number[], outShape: number[]): number[] {
  const rank = outShape.length;
  const padded = [...new Array<number>(rank - inShape.length).fill(1), ...inShape];
  const out = new Array<number>(rank).fill(0);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    out[d] = padded[d] === 1 && outShape[d] !== 1 ? 0 : s;
    s *= padded[d];
  }
  return out;
}

export function broadcastPlan(aShape: number[], bShape: number[]): BroadcastPlan {
  const outShape = tf.backend_util.assertAndGetBroadcastShape(aShape, bShape);
  const sa = strides(aShape, outShape);
  const sb = strides(bShape, outShape);
  const shape: number[] = [];
  const stridesA: number[] = [];
  const stridesB: number[] = [];
  for (let d = 0; d < outShape.length; d++) {
    const n = outShape[d];
    if (n === 1) continue; // size-1 dims contribute nothing to addressing
    const last = shape.length - 1;
    if (last >= 0 && stridesA[last] === sa[d] * n && stridesB[last] === sb[d] * n) {
      shape[last] *= n;
      stridesA[last] = sa[d];
      stridesB[last] = sb[d];
    } else {
      shape.push(n);
      stridesA.push(sa[d]);
      stridesB.push(sb[d]);
    }
  }
  return { outShape, shape, stridesA, stridesB };
}

/** Both inputs' float32 storage and their broadcast plan; undefined for other dtypes (then the cpu kernel runs). */
export function broadcastInputs(args: KernelArgs): { backend: MathBackendCPU; a: Float32Array; b: Float32Array; plan: BroadcastPlan } | undefined {
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const backend = cpuBackend(args);
  const av = f32(backend, a);
  const bv = f32(backend, b);
  if (!av || !bv) return undefined;
  return { backend, a: av, b: bv, plan: broadcastPlan(a.shape, b.shape) };
}
