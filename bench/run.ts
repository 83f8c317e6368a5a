/**
 * `npm run bench [-- flags]`: tinybert's distillation throughput against the PyTorch reference
 * step (../shared/bench/torch_distill_step.py) measured in the same run on the same machine and
 * thread count. A benchmark, not a test. With --json every result is one JSON object per line:
 *
 *   {"name":"task-intermediate","tinybert_examples_per_second":…,"pytorch_examples_per_second":…,"ratio":…,…}
 *   … the same for task-prediction, teacher-forward, student-train-step; then kernel-profile,
 *   and (on request) bert-layer, memory.
 *
 * Flags: --quick (1 warm-up + 2 timed steps; real data: 2 bucketed steps, fixed-128 from the synthetic batch), --steps N, --warmup N, --threads N (default 2),
 * --kinds intermediate,pred, --backend native|cpu|tensorflow, --no-pytorch, --layer (BERT-layer
 * stand-in), --memory-steps N (tensor/RSS growth over N steps), --no-data (skip AFQMC /
 * ChnSentiCorp bucketing), --batch/--seq, --json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    steps: { type: 'string' },
    warmup: { type: 'string' },
    threads: { type: 'string', default: '2' },
    kinds: { type: 'string', default: 'intermediate,pred' },
    backend: { type: 'string', default: 'native' },
    'no-pytorch': { type: 'boolean', default: false },
    layer: { type: 'boolean', default: false },
    'memory-steps': { type: 'string' },
    'no-data': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: true },
    'no-profile': { type: 'boolean', default: false },
    batch: { type: 'string' },
    seq: { type: 'string' },
  },
  allowPositionals: false,
});

const threads = Number(flags.threads);
// Before the addon (and OpenBLAS) load: the pool size and OpenBLAS's own default.
process.env.TINYBERT_THREADS = String(threads);
process.env.OPENBLAS_NUM_THREADS ??= String(threads);

const { tf } = await import('../src/backend/tf.js');
const { initBackend } = await import('../src/backend/select.js');
const { startKernelProfile, stopKernelProfile } = await import('../src/backend/native/index.js');
type KernelStat = import('../src/backend/native/index.js').KernelStat;
const { DistillBench, REFERENCE_SHAPES } = await import('./distill-step.js');
const { benchLayer } = await import('./layer.js');
const { benchRealData, features } = await import('./real-data.js');
type StepKind = import('./distill-step.js').StepKind;
type StepTimes = import('./distill-step.js').StepTimes;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TORCH_SCRIPT = resolve(ROOT, '..', 'shared', 'bench', 'torch_distill_step.py');
const PYTHON = '/usr/bin/python3';

const quick = flags.quick;
const steps = Number(flags.steps ?? (quick ? 2 : 5));
const warmup = Number(flags.warmup ?? (quick ? 1 : 2));
const kinds = flags.kinds.split(',').map((k) => k.trim()).filter(Boolean) as StepKind[];
const shapes = { ...REFERENCE_SHAPES, batch: Number(flags.batch ?? REFERENCE_SHAPES.batch), seq: Number(flags.seq ?? REFERENCE_SHAPES.seq) };

function emit(obj: Record<string, unknown>): void {
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(obj)}\n`);
    return;
  }
  const { name, ...rest } = obj;
  process.stdout.write(`${String(name).padEnd(20)} ${JSON.stringify(rest)}\n`);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, d = 4): number => Number(x.toFixed(d));
/** 1-minute load average: this 2-core VM is shared, so every phase records how busy it was. */
const load = (): number => round(loadavg()[0]!, 2);
const rssMb = (): number => round(process.memoryUsage().rss / 2 ** 20, 1);
const peakRssMb = (): number => round(process.resourceUsage().maxRSS / 1024, 1);

interface TorchResult {
  examples_per_second: Record<string, number>;
  sec_per_step: Record<string, number>;
  split_s: Record<string, Record<string, number>>;
  peak_rss_mb: number;
}

let pytorchLoad: number[] = [];

function runPytorch(): { result?: TorchResult; args: string[]; error?: string } {
  const torchKinds = kinds.join(',');
  const args = [TORCH_SCRIPT, '--threads', String(threads), '--json', '--teacher-eval', '--fused-ops',
    '--steps', String(steps), '--warmup', String(warmup), '--kinds', torchKinds,
    '--batch', String(shapes.batch), '--seq', String(shapes.seq)];
  if (flags['no-pytorch']) return { args, error: 'skipped (--no-pytorch)' };
  if (!existsSync(TORCH_SCRIPT)) return { args, error: `${TORCH_SCRIPT} not found` };
  if (!existsSync(PYTHON)) return { args, error: `${PYTHON} not found` };
  const loadBefore = load();
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  pytorchLoad = [loadBefore, load()];
  if (r.status !== 0) return { args, error: `exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}` };
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  try {
    return { args, result: JSON.parse(line ?? '') as TorchResult };
  } catch {
    return { args, error: `unparseable output: ${r.stdout.slice(0, 200)}` };
  }
}

const backendLines: string[] = [];
const info = await initBackend(flags.backend, { log: (l) => backendLines.push(l) });
process.stderr.write(`${backendLines.join('\n')}\n`);

emit({
  name: 'config',
  backend: info.description,
  threads,
  steps,
  warmup,
  quick,
  shapes,
  teacher_mode: 'eval',
  pytorch_command: `${PYTHON} ${TORCH_SCRIPT} --threads ${threads} --json --teacher-eval --fused-ops --steps ${steps} --warmup ${warmup}`,
  node: process.version,
});

const torch = runPytorch();
if (torch.error) emit({ name: 'pytorch', error: torch.error });
else emit({ name: 'pytorch', ...torch.result!, args: torch.args.slice(1), load_avg_1m_before_after: pytorchLoad });

const bench = new DistillBench(shapes);
const batch = bench.makeBatch();
const TORCH_NAME: Record<StepKind, string> = { intermediate: 'task_intermediate', pred: 'task_prediction' };
const all: Partial<Record<StepKind, StepTimes[]>> = {};
const profiling = flags.profile && !flags['no-profile'] && info.name === 'native';
let profile: { step: StepTimes; kernels: KernelStat[] } | undefined;

for (const kind of kinds) {
  const times: StepTimes[] = [];
  const loadBefore = load();
  for (let i = 0; i < warmup + steps; i++) {
    // The last timed step of the first kind is also the kernel profile's step (one clock read per
    // kernel call: no measurable cost), so profiling needs no step of its own.
    const profiled = profiling && kind === kinds[0] && i === warmup + steps - 1;
    if (profiled) startKernelProfile(process.env.TINYBERT_PROFILE_SHAPES === '1');
    const t = bench.step(kind, batch);
    if (profiled) profile = { step: t, kernels: stopKernelProfile() };
    if (!flags.json) process.stderr.write(`${kind} step ${i}${i < warmup ? ' (warm-up)' : ''}: ${t.total.toFixed(3)} s loss ${t.loss.toFixed(5)}\n`);
    if (i >= warmup) times.push(t);
  }
  all[kind] = times;
  const sec = median(times.map((t) => t.total));
  const ours = shapes.batch / sec;
  const theirs = torch.result?.examples_per_second[TORCH_NAME[kind]];
  emit({
    name: kind === 'intermediate' ? 'task-intermediate' : 'task-prediction',
    tinybert_examples_per_second: round(ours, 3),
    pytorch_examples_per_second: theirs ?? null,
    ratio: theirs ? round(ours / theirs, 3) : null,
    tinybert_sec_per_step: round(sec),
    pytorch_sec_per_step: torch.result?.sec_per_step[TORCH_NAME[kind]] ?? null,
    tinybert_split_s: {
      teacher_forward: round(median(times.map((t) => t.teacher_forward))),
      student_forward_loss_backward: round(median(times.map((t) => t.student_grad))),
      optimizer: round(median(times.map((t) => t.optimizer))),
    },
    pytorch_split_s: torch.result?.split_s[TORCH_NAME[kind]] ?? null,
    sec_per_step_all: times.map((t) => round(t.total, 3)),
    tinybert_cpu_sec_per_step: round(median(times.map((t) => t.cpu)), 2),
    load_avg_1m_before_after: [loadBefore, load()],
    pytorch_load_avg_1m_before_after: pytorchLoad,
    last_loss: times.at(-1)?.loss,
    tinybert_peak_rss_mb: peakRssMb(),
    pytorch_peak_rss_mb: torch.result?.peak_rss_mb ?? null,
    threads,
  });
}

// teacher-forward and student-train-step: the two halves of every step, pooled over both kinds.
const pooled = Object.values(all).flat();
if (pooled.length > 0) {
  const torchSplits = torch.result ? Object.values(torch.result.split_s) : [];
  const torchTeacher = torchSplits.length ? median(torchSplits.map((s) => s.teacher_forward!)) : undefined;
  const torchStudent = torchSplits.length
    ? median(Object.entries(torch.result!.split_s).map(([k, s]) => torch.result!.sec_per_step[k]! - s.teacher_forward!))
    : undefined;
  const teacher = median(pooled.map((t) => t.teacher_forward));
  const student = median(pooled.map((t) => t.total - t.teacher_forward));
  for (const [name, ours, theirs] of [
    ['teacher-forward', teacher, torchTeacher],
    ['student-train-step', student, torchStudent],
  ] as const) {
    emit({
      name,
      tinybert_examples_per_second: round(shapes.batch / ours, 3),
      pytorch_examples_per_second: theirs ? round(shapes.batch / theirs, 3) : null,
      ratio: theirs ? round(theirs / ours, 3) : null,
      tinybert_sec: round(ours),
      pytorch_sec: theirs ? round(theirs) : null,
      threads,
    });
  }
}

if (profile) {
  const prof = profile.kernels;
  const total = prof.filter((k) => !k.name.endsWith('(cpu fallback)')).reduce((s, k) => s + k.ms, 0); // fallbacks are inside their kernel's time
  emit({
    name: 'kernel-profile',
    step: kinds[0],
    step_sec: round(profile.step.total, 3),
    kernel_sec: round(total / 1000, 3),
    top: prof.slice(0, Number(process.env.TINYBERT_PROFILE_TOP ?? 15)).map((k) => ({ kernel: k.name, native: k.native, calls: k.calls, ms: round(k.ms, 1), pct: round((100 * k.ms) / total, 1) })),
  });
}

const DATA = resolve(ROOT, '..', 'shared', 'data');
const VOCAB = join(DATA, 'vocab', 'zh_vocab_21128.txt');
if (!flags['no-data'] && existsSync(VOCAB)) {
  const kind = kinds[0] ?? 'intermediate';
  const torchFixed = torch.result?.examples_per_second[TORCH_NAME[kind]];
  for (const [name, file, layout] of [
    ['afqmc', join(DATA, 'afqmc', 'train.txt'), 'afqmc'],
    ['chnsenticorp', join(DATA, 'chnsenticorp', 'train.tsv'), 'chnsenticorp'],
  ] as const) {
    if (!existsSync(file)) continue;
    const feats = features(file, layout, VOCAB, 4096);
    const bucketed = benchRealData(bench, feats, kind, true, shapes.batch, quick ? 2 : 8);
    // --quick: the fixed-128 figure is the synthetic batch's above (same shape, same arithmetic).
    const fixed = quick ? undefined : benchRealData(bench, feats, kind, false, shapes.batch, 3);
    const fixedRate = fixed?.examples_per_second ?? shapes.batch / median((all[kind] ?? []).map((t) => t.total));
    emit({
      name,
      step: kind,
      tinybert_examples_per_second: round(bucketed.examples_per_second, 3),
      tinybert_fixed128_examples_per_second: round(fixedRate, 3),
      tinybert_fixed128_source: fixed ? 'this dataset, padded to 128' : 'the synthetic 32 x 128 batch above (--quick)',
      bucketing_speedup: round(bucketed.examples_per_second / fixedRate, 3),
      pytorch_examples_per_second: torchFixed ?? null,
      pytorch_padding: 'fixed-128 (the reference), synthetic batch of the same shape',
      ratio: torchFixed ? round(bucketed.examples_per_second / torchFixed, 3) : null,
      mean_batch_len: round(bucketed.mean_batch_len, 1),
      bucketed_steps: bucketed.steps,
      fixed_steps: fixed?.steps ?? 0,
      tinybert_peak_rss_mb: peakRssMb(),
    });
  }
}

if (flags['memory-steps']) {
  // Leak check on a small pair (same code paths, shapes that make 1,000 steps quick): once on a
  // fixed batch, once cycling through four sequence lengths as length-bucketed batches do.
  const n = Number(flags['memory-steps']);
  const small = new DistillBench({
    batch: 8, seq: 32, vocab: 2000, teacherLayers: 4, teacherHidden: 128, teacherHeads: 4, teacherFfn: 512, maxRel: 16,
    studentLayers: 2, studentHidden: 64, studentHeads: 4, studentFfn: 256,
  });
  const kind = kinds[0] ?? 'intermediate';
  const pooledMb = (): number | null => {
    const b = tf.backend() as unknown as { pooledByteCount?: number };
    return b.pooledByteCount === undefined ? null : round(b.pooledByteCount / 2 ** 20, 1);
  };
  for (const [layout, lengths] of [['fixed', [32]], ['bucketed', [32, 24, 16, 8]]] as const) {
    const batches = lengths.map((len, i) => small.makeBatch(8, len, i));
    for (let i = 0; i < 5 * batches.length; i++) small.step(kind, batches[i % batches.length]!);
    const start = { tensors: tf.memory().numTensors, bytes: tf.memory().numBytes, rss: rssMb(), pooled: pooledMb() };
    const samples: { step: number; tensors: number; rss_mb: number; pooled_mb: number | null }[] = [];
    const t0 = performance.now();
    for (let i = 1; i <= n; i++) {
      small.step(kind, batches[i % batches.length]!);
      if (i % Math.max(1, Math.floor(n / 10)) === 0) samples.push({ step: i, tensors: tf.memory().numTensors, rss_mb: rssMb(), pooled_mb: pooledMb() });
    }
    emit({
      name: 'memory',
      layout,
      seq_lengths: lengths,
      steps: n,
      step: kind,
      shapes: small.shapes,
      sec: round((performance.now() - t0) / 1000, 1),
      tensors_start: start.tensors,
      tensors_end: tf.memory().numTensors,
      bytes_start: start.bytes,
      bytes_end: tf.memory().numBytes,
      rss_mb_start: start.rss,
      rss_mb_end: rssMb(),
      pooled_mb_start: start.pooled,
      pooled_mb_end: pooledMb(),
      samples,
    });
    for (const b of batches) tf.dispose([b.inputIds, b.tokenTypeIds!, b.attentionMask!]);
  }
  small.dispose();
}

tf.dispose([batch.inputIds, batch.tokenTypeIds!, batch.attentionMask!]);
bench.dispose();

if (flags.layer) emit({ ...benchLayer(quick ? 2 : 3), threads });
