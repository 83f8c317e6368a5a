/**
 * The `native` backend: the CPU backend's storage with BLAS-backed and multi-threaded kernels from
 * the addon in `native/`. `registerNativeBackend()` returns a description when registered,
 * undefined when the addon is absent.
 */
export { registerNativeBackend, nativeKernelConfigs, threadCount, nativeThreads, NATIVE_BACKEND } from './register.js';
export { startKernelProfile, stopKernelProfile, type KernelStat } from './profile.js';
export { loadAddon, addonLoadError, type NativeAddon } from './addon.js';
