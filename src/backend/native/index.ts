/**
 * The `native` backend: the CPU backend's storage with BLAS-backed and multi-threaded kernels from
 * the addon in `native/`. Returns a description when registered, undefined when the addon is absent.
 */
export function registerNativeBackend(): string | undefined {
  return undefined;
}
