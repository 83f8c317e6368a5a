/**
 * The report's final table: every model slot a run ended with (teacher, student), its dev metric,
 * parameters, weights size on disk and eval-mode latency at batch 1 and 32, timed at report time
 * on the engine the report runs on. A finished run takes the slots and metrics of summary.json
 * (all scored on the last task's dev set); a run in progress takes each slot's latest finished
 * stage and that stage's own dev scores.
 */
import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { tf } from '../backend/tf.js';
import { loadModelDir, weightsPath } from '../checkpoint/model-dir.js';
import type { BertModel } from '../model/bert.js';
import type { RunData } from './run-data.js';

export interface Latency {
  /** Milliseconds per forward pass of one [B, T] batch, eval mode. */
  batch1Ms: number;
  batch32Ms: number;
  seqLength: number;
  backend: string;
}

export interface ModelRow {
  slot: string;
  role: string;
  /** Model folder relative to the run folder. */
  dir: string;
  /** Where the metrics come from: `summary` (last task's dev set) or the stage that scored it. */
  metricSource?: string;
  metrics?: Record<string, number>;
  params: number;
  bytesOnDisk: number;
  latency?: Latency;
}

/** Rows for every slot with a finished model; latency timed unless `timeLatency` is false. */
export function modelRows(run: RunData, opts: { timeLatency: boolean }): ModelRow[] {
  const latest = new Map<string, { dir: string; metrics?: Record<string, number>; source?: string }>();
  if (run.summary) {
    for (const m of run.summary.models) latest.set(m.slot, { dir: m.dir, metrics: m.scores, source: 'summary' });
  } else {
    for (const s of run.stages) if (s.done && s.slot && s.output) latest.set(s.slot, { dir: s.output, metrics: s.scores, source: s.scores ? s.name : undefined });
  }
  const rows: ModelRow[] = [];
  for (const [slot, m] of latest) {
    const { model } = loadModelDir(m.dir);
    try {
      const metrics = m.metrics ? Object.fromEntries(Object.entries(m.metrics).filter(([k]) => k !== 'examples')) : undefined;
      rows.push({
        slot,
        role: run.roles[slot] ?? 'trained',
        dir: relative(run.dir, m.dir) || '.',
        metricSource: metrics ? m.source : undefined,
        metrics,
        // The task head and the MLM head are not part of the encoder being compared (as run.ts counts).
        params: model.numParams((n) => !n.startsWith('cls.')),
        bytesOnDisk: statSync(weightsPath(m.dir)).size,
        latency: opts.timeLatency ? timeModel(model, run.maxSeqLength) : undefined,
      });
    } finally {
      model.dispose();
    }
  }
  return rows;
}

/** Speed-up of `row` over the teacher at batch 32 (undefined without both timings). */
export function speedUp(rows: ModelRow[], row: ModelRow): number | undefined {
  const teacher = rows.find((r) => r.role === 'teacher');
  if (!teacher?.latency || !row.latency || row === teacher) return undefined;
  return teacher.latency.batch32Ms / row.latency.batch32Ms;
}

function timeModel(model: BertModel, T: number): Latency {
  return { batch1Ms: timeBatch(model, 1, T), batch32Ms: timeBatch(model, 32, T), seqLength: T, backend: tf.getBackend() };
}

/** Mean of a few timed forward passes after one warm-up; fewer repeats when a pass is slow. */
function timeBatch(model: BertModel, B: number, T: number): number {
  const V = model.config.vocabSize;
  // Fixed ids past the special tokens: the timing does not depend on the values.
  const ids = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => 5 + ((b * 31 + t * 7) % Math.max(1, V - 5))));
  const run = () =>
    tf.tidy(() => {
      const inputIds = tf.tensor2d(ids, [B, T], 'int32'); // [B, T]
      const out = model.forward({ inputIds, attentionMask: tf.onesLike(inputIds) }, { training: false });
      (out.logits ?? out.hiddenStates.at(-1)!).dataSync();
    });
  const t0 = performance.now();
  run();
  const warm = performance.now() - t0;
  const n = warm > 2000 ? 1 : warm > 200 ? 3 : 10;
  const t1 = performance.now();
  for (let i = 0; i < n; i++) run();
  return (performance.now() - t1) / n;
}
