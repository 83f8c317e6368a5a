/**
 * Experiment (not part of `npm run bench`): per-call timing, call site and input statistics of the
 * large Multiply kernels inside one task-intermediate step. It found the attention-loss gradient's
 * keep-mask multiply running the cpu reference on a cast mask (see src/backend/native/kernels/Cast.ts).
 * `node dist/bench/exp-mul.js` after `npm run bench` (or `npx tsc -p bench/tsconfig.json`) built it.
 */
import type * as tfTypes from '@tensorflow/tfjs-core';
process.env.TINYBERT_THREADS ??= '2';
process.env.OPENBLAS_NUM_THREADS ??= '2';
const { tf } = await import('../src/backend/tf.js');
const { initBackend } = await import('../src/backend/select.js');
const { DistillBench, REFERENCE_SHAPES } = await import('./distill-step.js');
await initBackend('native');
const k = tf.getKernel('Multiply', 'native')!;
const inner = k.kernelFunc;
let log: string[] | undefined;
(k as { kernelFunc: tfTypes.KernelFunc }).kernelFunc = (args) => {
  const t0 = performance.now();
  const out = inner(args);
  const ms = performance.now() - t0;
  const { a, b } = args.inputs as { a: tfTypes.TensorInfo; b: tfTypes.TensorInfo };
  if (log && tf.util.sizeFromShape(a.shape) > 1e6 && tf.util.sizeFromShape(b.shape) > 1e6) {
    const t1 = performance.now();
    const again = inner(args) as tfTypes.TensorInfo; // same inputs, warm
    const ms2 = performance.now() - t1;
    (args.backend as tfTypes.KernelBackend).disposeData(again.dataId);
    const stats = (t: tfTypes.TensorInfo) => {
      const v = (args.backend as unknown as { data: { get(id: unknown): { values: Float32Array } } }).data.get(t.dataId).values;
      let den = 0, zero = 0, nan = 0, inf = 0;
      for (let i = 0; i < v.length; i++) {
        const x = v[i]!;
        if (x !== x) nan++;
        else if (x === 0) zero++;
        else if (!Number.isFinite(x)) inf++;
        else if (Math.abs(x) < 1.1754944e-38) den++;
      }
      return `den ${den} zero ${zero} nan ${nan} inf ${inf}`;
    };
    if (ms > 20) log.push(`  a: ${stats(a)} | b: ${stats(b)}`);
    log.push(`${ms.toFixed(1)} ms (again ${ms2.toFixed(1)}) [${a.shape}] x [${b.shape}] ${new Error().stack!.split('\n').slice(7, 14).map((l) => l.trim().replace(/^at /, '').replace(/\(.*\/(src|node_modules)\//, '(')).join(' < ')}`);
  }
  return out;
};
const bench = new DistillBench(REFERENCE_SHAPES);
const batch = bench.makeBatch();
bench.step('intermediate', batch);
bench.step('intermediate', batch);
log = [];
bench.step('intermediate', batch);
console.log(log.join('\n'));
