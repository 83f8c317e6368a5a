/** `node dist/bench/exp-teacher.js B`: teacher forward timing (wall and process CPU) on native. */
import { tf } from '../src/backend/tf.js';
import { initBackend } from '../src/backend/select.js';
import { DistillBench, REFERENCE_SHAPES } from './distill-step.js';

await initBackend('native');
const B = Number(process.argv[2] ?? 8);
const bench = new DistillBench({ ...REFERENCE_SHAPES, batch: B });
const batch = bench.makeBatch();
for (let i = 0; i < Number(process.env.REPS ?? 4); i++) {
  const c0 = process.cpuUsage();
  const sec = bench.teacherForward(batch);
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ batch: B, pool_mb: process.env.TINYBERT_POOL_MB ?? 'default', wall: sec.toFixed(2), cpu: ((c.user + c.system) / 1e6).toFixed(2), rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20), tensors: tf.memory().numTensors }));
}
const { startKernelProfile, stopKernelProfile } = await import('../src/backend/native/index.js');
startKernelProfile(process.env.TINYBERT_PROFILE_SHAPES === '1');
const c0 = process.cpuUsage();
const sec = bench.teacherForward(batch);
const c = process.cpuUsage(c0);
const prof = stopKernelProfile();
const total = prof.reduce((s, k) => s + k.ms, 0);
console.log(`profiled forward wall ${sec.toFixed(2)} cpu ${((c.user + c.system) / 1e6).toFixed(2)} kernels ${(total / 1000).toFixed(2)}`);
for (const k of prof.slice(0, 25)) console.log(`${k.name.slice(0, 60).padEnd(60)} ${k.calls.toString().padStart(4)} ${k.ms.toFixed(0).padStart(6)} ms`);
