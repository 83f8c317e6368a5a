/**
 * Per-kernel wall-clock profile of the native backend. Every kernel registered on `native`
 * (native and copied cpu ones) is wrapped; the wrapper costs one branch while profiling is off.
 * CPU kernels run synchronously, so wall time per call is the kernel's time. Nested kernel calls
 * made inside a cpu kernel (cpu kernels call each other directly) count toward the outer one.
 */
import { tf } from '../tf.js';

export interface KernelStat {
  name: string;
  calls: number;
  ms: number;
  /** Whether the addon implements the kernel (false: the reference cpu kernel ran). */
  native: boolean;
}

let profiling = false;
let byShape = false;

function shapeKey(inputs: tf.NamedTensorInfoMap): string {
  return Object.values(inputs)
    .filter((t) => t != null)
    .map((t) => `[${t.shape.join(',')}]`)
    .join('x');
}
const stats = new Map<string, KernelStat>();

function record(key: string, ms: number, native: boolean): void {
  const s = stats.get(key) ?? { name: key, calls: 0, ms: 0, native };
  s.calls++;
  s.ms += ms;
  stats.set(key, s);
}

export function wrapKernel(config: tf.KernelConfig, native: boolean): tf.KernelConfig {
  const inner = config.kernelFunc;
  const kernelFunc: tf.KernelFunc = (args) => {
    if (!profiling) return inner(args);
    const t0 = performance.now();
    const out = inner(args);
    record(byShape ? `${config.kernelName} ${shapeKey(args.inputs)}` : config.kernelName, performance.now() - t0, native);
    return out;
  };
  return { ...config, kernelFunc };
}

/**
 * Inside a native kernel that handed its arguments to the cpu reference (another dtype, a layout
 * the addon does not take): recorded separately as `<kernel> (cpu fallback)`, so a profile shows
 * time a native kernel's name would otherwise hide.
 */
export function timeFallback<T>(kernelName: string, run: () => T): T {
  if (!profiling) return run();
  const t0 = performance.now();
  const out = run();
  record(`${kernelName} (cpu fallback)`, performance.now() - t0, false);
  return out;
}

/** Clears the counters and starts recording; `byInputShape` splits each kernel by its input shapes. */
export function startKernelProfile(byInputShape = false): void {
  stats.clear();
  byShape = byInputShape;
  profiling = true;
}

/** Stops recording; returns the kernels by total time, largest first. */
export function stopKernelProfile(): KernelStat[] {
  profiling = false;
  return [...stats.values()].sort((a, b) => b.ms - a.ms);
}
