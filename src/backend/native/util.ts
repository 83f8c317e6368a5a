/**
 * Helpers shared by the native kernels: typed access to the CPU backend's storage (the native
 * backend *is* a MathBackendCPU, so tensors are shared, not copied) and the fallback to the
 * reference cpu kernel for inputs the addon does not handle (other dtypes, rare layouts).
 */
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { tf } from '../tf.js';
import type { NativeAddon } from './addon.js';
import { NativeBackend } from './backend.js';
import { timeFallback } from './profile.js';

export type KernelArgs = Parameters<tf.KernelFunc>[0];
export type TensorInfo = tf.TensorInfo;

let addonRef: NativeAddon | undefined;

export function setAddon(addon: NativeAddon): void {
  addonRef = addon;
}

/** The loaded addon; kernels are registered only after it loaded. */
export function addon(): NativeAddon {
  if (!addonRef) throw new Error('tinybert native: kernel called before the addon was loaded');
  return addonRef;
}

export function cpuBackend(args: KernelArgs): MathBackendCPU {
  return args.backend as MathBackendCPU;
}

/** The stored values of a tensor on the (shared) CPU storage. */
export function valuesOf(backend: MathBackendCPU, t: TensorInfo): tf.backend_util.BackendValues {
  const v = backend.data.get(t.dataId)?.values;
  if (v === undefined) throw new Error(`tinybert native: tensor ${t.dataId.toString()} has no data on this backend`);
  return v;
}

/** Float32 storage of `t`, or undefined when it is another dtype (then the kernel falls back). */
export function f32(backend: MathBackendCPU, t: TensorInfo | undefined): Float32Array | undefined {
  if (!t || t.dtype !== 'float32') return undefined;
  const v = valuesOf(backend, t);
  return v instanceof Float32Array ? v : undefined;
}

/** Int32 storage of `t` (indices, segment ids). */
export function i32(backend: MathBackendCPU, t: TensorInfo | undefined): Int32Array | undefined {
  if (!t || t.dtype !== 'int32') return undefined;
  const v = valuesOf(backend, t);
  return v instanceof Int32Array ? v : undefined;
}

/** A float32 buffer for an output: pooled on the native backend; zeroed only when asked. */
export function allocFloat32(backend: MathBackendCPU, n: number, zero = false): Float32Array {
  return backend instanceof NativeBackend ? backend.allocFloat32(n, zero) : new Float32Array(n);
}

/** A new float32 output tensor and its storage (arbitrary contents unless `zero`). */
export function output(backend: MathBackendCPU, shape: number[], zero = false): [TensorInfo, Float32Array] {
  const values = allocFloat32(backend, tf.util.sizeFromShape(shape), zero);
  return [backend.makeTensorInfo(shape, 'float32', values), values];
}

/** Tells the pool about memory a cpu kernel may have shared between tensors. */
export function noteCpuKernelRun(args: KernelArgs, result: TensorInfo | TensorInfo[]): void {
  if (!(args.backend instanceof NativeBackend)) return;
  const inputs = Object.values(args.inputs as Record<string, TensorInfo | undefined>).filter((t): t is TensorInfo => t != null);
  args.backend.noteFallbackOutputs(inputs, Array.isArray(result) ? result : [result]);
}

/** Runs the reference cpu kernel for `name` on the same arguments. */
export function fallback(name: string, args: KernelArgs): TensorInfo | TensorInfo[] {
  const k = tf.getKernel(name, 'cpu');
  if (!k) throw new Error(`tinybert native: no cpu kernel ${name} to fall back to`);
  const result = timeFallback(name, () => k.kernelFunc(args));
  noteCpuKernelRun(args, result);
  return result;
}
