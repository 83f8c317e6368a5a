/**
 * The study's tables, from what each run leaves in its folder (summary.json, report.json,
 * log.jsonl): the ablation table (rows × tasks, like TinyBERT's Table 6), and the wall time of
 * every stage next to the reference's projected time for the same work.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** A study row: the model slot it trains in every task recipe, and how the table names it. */
export interface StudyRow {
  slot: string;
  label: string;
  /** The stages (by name) whose wall time is the row's own; shared stages are listed in the stage table. */
  stages: string[];
  /** A row only some task recipes have (its cells read '-' elsewhere). */
  optional?: boolean;
}

export const STUDY_ROWS: StudyRow[] = [
  { slot: 'teacher', label: 'teacher (NEZHA 4L-256)', stages: ['teacher'] },
  { slot: 'full', label: 'student: GD → aug → TD-int → TD-pred', stages: ['full-ti', 'full-tp'] },
  { slot: 'no-gd', label: 'without GD', stages: ['no-gd-ti', 'no-gd-tp'] },
  { slot: 'no-ti', label: 'without TD-int', stages: ['no-ti-tp'] },
  { slot: 'no-aug', label: 'without augmentation', stages: ['no-aug-ti', 'no-aug-tp'] },
  { slot: 'no-guard', label: 'augmentation without the label guard', stages: ['no-guard-ti', 'no-guard-tp'], optional: true },
  { slot: 'labels-gd', label: 'labels only, from the GD student', stages: ['labels-gd'] },
  { slot: 'labels', label: 'labels only, from random init', stages: ['labels'] },
];

/** The task metric the study reads, per task kind. */
export interface StudyTask {
  name: string;
  metric: string;
  /** Shapes the reference would run: fixed padding to max_seq_length. */
  batchSize: number;
  seqLength: number;
}

export interface StageTime {
  run: string;
  stage: string;
  kind: string;
  steps: number;
  seconds: number;
  /** The reference's projected seconds (its step time at the same shapes × steps), for distillation stages. */
  referenceSeconds?: number;
}

export interface ModelResult {
  slot: string;
  metrics?: Record<string, number>;
  params?: number;
  batch1Ms?: number;
  batch32Ms?: number;
  seconds?: number;
}

export interface TaskResult {
  task: StudyTask;
  models: Record<string, ModelResult>;
  augment?: Record<string, unknown>;
  stages: StageTime[];
}

interface LogEvent {
  event: string;
  stage?: string;
  steps?: number;
  seconds?: number;
  [k: string]: unknown;
}

function readJson<T>(file: string): T | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

export function readLog(runDir: string): LogEvent[] {
  const file = join(runDir, 'log.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as LogEvent);
}

/** Stage kinds by name, from the run's saved recipe. */
function stageKinds(runDir: string): Record<string, string> {
  const file = join(runDir, 'recipe.yaml');
  if (!existsSync(file)) return {};
  const recipe = parse(readFileSync(file, 'utf8')) as { stages?: { name: string; kind: string }[] };
  return Object.fromEntries((recipe.stages ?? []).map((s) => [s.name, s.kind]));
}

/** Reference seconds per step by stage kind, at one shape (from torch_distill_step.py). */
export interface ReferenceStep {
  intermediate: number;
  prediction: number;
}

/** The last stage-end of every stage (a resumed stage logs again), with the reference's projection. */
export function stageTimes(run: string, runDir: string, ref?: ReferenceStep): StageTime[] {
  const kinds = stageKinds(runDir);
  const ends = new Map<string, LogEvent>();
  for (const e of readLog(runDir)) if (e.event === 'stage-end' && e.stage) ends.set(e.stage, e);
  return [...ends.values()].map((e) => {
    const kind = kinds[e.stage!] ?? '?';
    const steps = e.steps ?? 0;
    const perStep = kind === 'task-prediction' ? ref?.prediction : kind === 'task-intermediate' || kind === 'general' ? ref?.intermediate : undefined;
    return { run, stage: e.stage!, kind, steps, seconds: e.seconds ?? 0, referenceSeconds: perStep === undefined ? undefined : perStep * steps };
  });
}

interface Summary {
  models: { slot: string; params: number; scores?: Record<string, number> }[];
}
interface Report {
  models: { slot: string; params: number; latency?: { batch1Ms: number; batch32Ms: number } }[];
}

/** One task's results from its run folder (what is there: a run in progress gives what finished). */
export function taskResult(task: StudyTask, runDir: string, ref?: ReferenceStep): TaskResult {
  const stages = stageTimes(task.name, runDir, ref);
  const models: Record<string, ModelResult> = {};
  const summary = readJson<Summary>(join(runDir, 'summary.json'));
  const report = readJson<Report>(join(runDir, 'report.json'));
  const log = readLog(runDir);
  for (const row of STUDY_ROWS) {
    const own = stages.filter((s) => row.stages.includes(s.stage));
    if (own.length < row.stages.length) continue;
    const fromSummary = summary?.models.find((m) => m.slot === row.slot);
    // Before the run's end there is no summary: the dev score of the checkpoint the row's last stage kept.
    const last = log.filter((e) => e.event === 'stage-end' && e.stage === row.stages.at(-1)).at(-1);
    const best = last?.best as { metric: string; value: number } | undefined;
    const metrics = fromSummary?.scores ?? (best ? { [best.metric]: best.value } : undefined);
    const latency = report?.models.find((m) => m.slot === row.slot)?.latency;
    models[row.slot] = {
      slot: row.slot,
      metrics,
      params: fromSummary?.params,
      batch1Ms: latency?.batch1Ms,
      batch32Ms: latency?.batch32Ms,
      seconds: own.reduce((a, s) => a + s.seconds, 0),
    };
  }
  // The full pipeline's augmentation (stage `augment`), not a later variant such as OCNLI's unguarded one.
  const augment = log.filter((e) => e.event === 'augment' && e.stage === 'augment').at(-1);
  return { task, models, augment, stages };
}

const pct = (x: number | undefined) => (x === undefined ? '-' : (100 * x).toFixed(1));

/** The ablation table: dev metric per task (×100), the average, the share of the teacher's average, parameters, latency, wall time. */
export function ablationTable(results: TaskResult[]): string {
  const header = ['row', ...results.map((r) => `${r.task.name} (${r.task.metric})`), 'average', '% of teacher', 'parameters', 'latency B=1 / B=32', 'wall time'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  const average = (slot: string) => {
    const xs = results.map((r) => r.models[slot]?.metrics?.[r.task.metric]);
    return xs.every((x) => x !== undefined) && xs.length > 0 ? (xs as number[]).reduce((a, b) => a + b, 0) / xs.length : undefined;
  };
  const teacherAvg = average('teacher');
  for (const row of STUDY_ROWS) {
    if (row.optional && results.every((r) => !r.models[row.slot])) continue;
    const cells = results.map((r) => pct(r.models[row.slot]?.metrics?.[r.task.metric]));
    const avg = average(row.slot);
    const any = results.map((r) => r.models[row.slot]).find((m) => m?.params !== undefined);
    const lat = results.map((r) => r.models[row.slot]).find((m) => m?.batch32Ms !== undefined);
    const secs = results.map((r) => r.models[row.slot]?.seconds);
    const wall = secs.some((s) => s !== undefined) ? `${Math.round(secs.reduce<number>((a, s) => a + (s ?? 0), 0))} s` : '-';
    lines.push(
      `| ${[
        row.label,
        ...cells,
        pct(avg),
        avg !== undefined && teacherAvg ? `${((100 * avg) / teacherAvg).toFixed(1)}%` : '-',
        any?.params !== undefined ? `${(any.params / 1e6).toFixed(2)} M` : '-',
        lat ? `${lat.batch1Ms!.toFixed(1)} / ${lat.batch32Ms!.toFixed(0)} ms` : '-',
        wall,
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** Every stage's wall time next to the reference's projection where the reference has the step. */
export function stageTable(stages: StageTime[]): string {
  const lines = ['| run | stage | kind | steps | tinybert | reference (projected) | reference / tinybert |', '|---|---|---|---:|---:|---:|---:|'];
  for (const s of stages) {
    const ref = s.referenceSeconds;
    lines.push(`| ${s.run} | ${s.stage} | ${s.kind} | ${s.steps} | ${s.seconds.toFixed(0)} s | ${ref === undefined ? '-' : `${ref.toFixed(0)} s`} | ${ref === undefined || s.seconds === 0 ? '-' : `${(ref / s.seconds).toFixed(2)}×`} |`);
  }
  return lines.join('\n');
}

/** Which of the study's two claims hold: distilled beats labels-only per task, and keeps ≥ 90% of the teacher on average. */
export function verdict(results: TaskResult[]): { beatsLabels: string[]; losesToLabels: string[]; retention?: number } {
  const beatsLabels: string[] = [];
  const losesToLabels: string[] = [];
  let full = 0;
  let teacher = 0;
  let complete = true;
  for (const r of results) {
    const m = r.task.metric;
    const s = r.models.full?.metrics?.[m];
    const t = r.models.teacher?.metrics?.[m];
    const labels = Math.max(r.models.labels?.metrics?.[m] ?? -Infinity, r.models['labels-gd']?.metrics?.[m] ?? -Infinity);
    if (s === undefined || t === undefined) {
      complete = false;
      continue;
    }
    (s > labels ? beatsLabels : losesToLabels).push(r.task.name);
    full += s;
    teacher += t;
  }
  return { beatsLabels, losesToLabels, retention: complete && teacher > 0 ? full / teacher : undefined };
}
