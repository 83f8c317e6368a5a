/**
 * Registers the `native` backend: every cpu kernel is copied to it, then the addon's kernels
 * (one array, below) replace theirs. Threads: TINYBERT_THREADS (default: all cores) for the pool
 * that runs GEMM blocks and elementwise loops; OpenBLAS itself stays single-threaded inside them
 * unless TINYBERT_BLAS_THREADING=openblas, which lets OpenBLAS thread each GEMM instead.
 */
import { availableParallelism } from 'node:os';
import { BackendError } from '../../errors.js';
import { tf } from '../tf.js';
import { loadAddon } from './addon.js';
import { NativeBackend } from './backend.js';
import { adamUpdateConfig } from './kernels/AdamUpdate.js';
import { addNConfig } from './kernels/AddN.js';
import { batchMatMulConfig } from './kernels/BatchMatMul.js';
import { binaryConfigs } from './kernels/binary.js';
import { castConfig } from './kernels/Cast.js';
import { compareConfigs } from './kernels/compare.js';
import { dropoutMaskConfig } from './kernels/DropoutMask.js';
import { fillConfigs } from './kernels/fill.js';
import { fusedConfigs } from './kernels/fused.js';
import { fusedMatMulConfig } from './kernels/FusedMatMul.js';
import { gatherV2Config } from './kernels/GatherV2.js';
import { reduceConfigs } from './kernels/reduce.js';
import { selectConfig } from './kernels/Select.js';
import { softmaxConfig } from './kernels/Softmax.js';
import { transposeConfig } from './kernels/Transpose.js';
import { unaryConfigs } from './kernels/unary.js';
import { unsortedSegmentSumConfig } from './kernels/UnsortedSegmentSum.js';
import { wrapKernel } from './profile.js';
import { noteCpuKernelRun, setAddon } from './util.js';

export const NATIVE_BACKEND = 'native';

/** Every kernel the addon implements. */
export const nativeKernelConfigs: tf.KernelConfig[] = [
  batchMatMulConfig,
  fusedMatMulConfig,
  ...binaryConfigs,
  ...compareConfigs,
  addNConfig,
  ...unaryConfigs,
  ...reduceConfigs,
  softmaxConfig,
  transposeConfig,
  gatherV2Config,
  unsortedSegmentSumConfig,
  selectConfig,
  dropoutMaskConfig,
  ...fusedConfigs,
  ...fillConfigs,
  castConfig,
  adamUpdateConfig,
];

/** Threads from TINYBERT_THREADS, else the number of cores. */
export function threadCount(): number {
  const env = process.env.TINYBERT_THREADS;
  const n = env ? Number.parseInt(env, 10) : availableParallelism();
  if (!Number.isFinite(n) || n < 1) throw new BackendError(`TINYBERT_THREADS must be a positive integer, got ${JSON.stringify(env)}`);
  return n;
}

let description: string | undefined;

/**
 * Registers `native` (once) and returns a one-line description, or undefined when the addon is
 * not built or does not load.
 */
export function registerNativeBackend(): string | undefined {
  if (description) return description;
  const addon = loadAddon();
  if (!addon) return undefined;
  setAddon(addon);
  const threads = threadCount();
  const blasThreaded = process.env.TINYBERT_BLAS_THREADING === 'openblas';
  addon.setThreads(threads, blasThreaded ? threads : 1);
  const own = new Set(nativeKernelConfigs.map((k) => k.kernelName));
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (own.has(k.kernelName)) continue;
    const kernelFunc: tf.KernelFunc = (args) => {
      const result = k.kernelFunc(args);
      noteCpuKernelRun(args, result);
      return result;
    };
    tf.registerKernel(wrapKernel({ ...k, backendName: NATIVE_BACKEND, kernelFunc }, false));
  }
  for (const k of nativeKernelConfigs) tf.registerKernel(wrapKernel(k, true));
  tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(), 0);
  const blas = addon.blasConfig().trim().split(/\s+/).slice(0, 2).join(' ');
  description = `native (C++ addon: ${blas}, ${threads} thread${threads === 1 ? '' : 's'}${blasThreaded ? ', OpenBLAS-threaded GEMM' : ''})`;
  return description;
}

/** Threads in use by the addon's pool (after registration). */
export function nativeThreads(): number | undefined {
  return loadAddon()?.threads();
}
