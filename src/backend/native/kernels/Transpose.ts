/** Transpose of any 1-, 4- or 8-byte dtype; dims that stay adjacent are merged first. */
import { tf } from '../../tf.js';
import { addon, allocFloat32, cpuBackend, fallback, valuesOf, type TensorInfo } from '../util.js';

/** Drops size-1 dims and merges runs of dims that the permutation keeps adjacent and in order. */
export function collapsePermutation(shape: number[], perm: number[]): { shape: number[]; perm: number[] } {
  const keep = perm.filter((d) => shape[d] !== 1);
  // Groups of input dims that appear consecutively (d, d+1, ...) in the permutation.
  const groups: number[][] = [];
  for (const d of keep) {
    const g = groups[groups.length - 1];
    const prevKept = [...Array(d).keys()].reverse().find((p) => shape[p] !== 1);
    if (g && prevKept !== undefined && g[g.length - 1] === prevKept) g.push(d);
    else groups.push([d]);
  }
  const order = groups.map((g) => g[0]).sort((p, q) => p - q);
  return {
    shape: order.map((first) => groups.find((g) => g[0] === first)!.reduce((s, d) => s * shape[d], 1)),
    perm: groups.map((g) => order.indexOf(g[0])),
  };
}

export const transposeConfig: tf.KernelConfig = {
  kernelName: tf.Transpose,
  backendName: 'native',
  kernelFunc: (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { perm } = args.attrs as unknown as tf.TransposeAttrs;
    const backend = cpuBackend(args);
    const xv = valuesOf(backend, x);
    if (!ArrayBuffer.isView(xv) || x.dtype === 'complex64' || x.dtype === 'string') return fallback(tf.Transpose, args);
    const outShape = perm.map((d) => x.shape[d]);
    const n = xv.length;
    const values = xv instanceof Float32Array ? allocFloat32(backend, n) : new (xv.constructor as new (n: number) => tf.TypedArray)(n);
    const c = collapsePermutation(x.shape, perm);
    if (xv.length > 0) {
      if (c.perm.every((d, i) => d === i)) values.set(xv as tf.TypedArray);
      else addon().transpose(xv, values, c.shape, c.perm);
    }
    return backend.makeTensorInfo(outShape, x.dtype, values);
  },
};
