/**
 * The `native` backend class: the CPU backend itself (same DataStorage of typed arrays), so every
 * cpu kernel runs unchanged on it and native kernels read and write the same arrays.
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

export class NativeBackend extends MathBackendCPU {
  constructor() {
    super();
    // The CPU backend prints an "install tfjs-node" banner on first write; we are the fast path.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }
}
