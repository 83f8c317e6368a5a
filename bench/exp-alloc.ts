/**
 * Experiment (not part of `npm run bench`): where a task-intermediate step's time goes outside
 * the kernels' arithmetic — fresh output allocations on the native backend and garbage collection.
 * `node --expose-gc dist/bench/exp-alloc.js [steps]`
 */
import { PerformanceObserver } from 'node:perf_hooks';

process.env.TINYBERT_THREADS ??= '2';
process.env.OPENBLAS_NUM_THREADS ??= '2';
const { tf } = await import('../src/backend/tf.js');
const { initBackend } = await import('../src/backend/select.js');
const { NativeBackend } = await import('../src/backend/native/backend.js');
const { DistillBench, REFERENCE_SHAPES } = await import('./distill-step.js');

await initBackend('native');
const proto = NativeBackend.prototype as unknown as { allocFloat32(n: number, zero?: boolean): Float32Array };
const inner = proto.allocFloat32;
let allocMs = 0;
let allocs = 0;
let fresh = 0;
let freshBytes = 0;
proto.allocFloat32 = function (this: InstanceType<typeof NativeBackend>, n: number, zero = false) {
  const before = this.pooledByteCount;
  const t0 = performance.now();
  const out = inner.call(this, n, zero);
  allocMs += performance.now() - t0;
  allocs++;
  if (this.pooledByteCount === before) {
    fresh++;
    freshBytes += out.byteLength;
  }
  return out;
};
let gcMs = 0;
let gcs = 0;
let gcKinds: Record<string, number> = {};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    gcs++;
    const kind = String((e as unknown as { detail?: { kind?: number } }).detail?.kind);
    gcKinds[kind] = (gcKinds[kind] ?? 0) + Math.round(e.duration);
  }
}).observe({ entryTypes: ['gc'] });

const bench = new DistillBench(REFERENCE_SHAPES);
const batch = bench.makeBatch();
const steps = Number(process.argv[2] ?? 3);
for (let i = 0; i < steps; i++) {
  allocMs = 0; allocs = 0; fresh = 0; freshBytes = 0; gcMs = 0; gcs = 0; gcKinds = {};
  const t = bench.step('intermediate', batch);
  await new Promise((r) => setTimeout(r, 0)); // let the GC observer report
  console.log(JSON.stringify({ step: i, total_s: +t.total.toFixed(2), teacher_s: +t.teacher_forward.toFixed(2), student_s: +t.student_grad.toFixed(2), optimizer_s: +t.optimizer.toFixed(2), allocs, fresh, fresh_mb: Math.round(freshBytes / 2 ** 20), alloc_ms: Math.round(allocMs), gcs, gc_ms: Math.round(gcMs), gc_ms_by_kind: gcKinds, tensors: tf.memory().numTensors }));
}
