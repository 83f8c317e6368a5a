/**
 * What a run folder says about itself, read for the report: the resolved recipe (`recipe.yaml`),
 * every record of `log.jsonl`, each stage's `done.json` and, for a finished run, `summary.json`.
 * A run may still be going (or have been killed): the log may end in a half-written line and the
 * later stages have no done.json yet; the reader takes what is there and marks the run in progress.
 *
 * A resumed stage logs its steps after the checkpoint again; the later record of a step wins.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { DataError, RecipeError } from '../errors.js';
import { RUN_FILES } from '../recipe/run-files.js';
import { validate } from '../util/validate.js';

/** One logged training step: loss terms without their `loss.` prefix (`attention.layer0`). */
export interface StepPoint {
  step: number;
  time: string;
  lr?: number;
  examplesPerSecond?: number;
  terms: Record<string, number>;
}

/** One dev evaluation: metrics without their `dev.` prefix. */
export interface EvalPoint {
  step: number;
  metrics: Record<string, number>;
}

export interface KeptCheckpoint {
  metric: string;
  value: number;
  step: number;
}

export interface StageData {
  name: string;
  kind: string;
  /** The slot this stage trains (`train` or `student`). */
  slot?: string;
  /** Steps the recipe asks for (absent for an epoch-based stage). */
  totalSteps?: number;
  /** Loss weights of the recipe: the weighted total is Σ weight × top-level term. */
  weights: Record<string, number>;
  steps: StepPoint[];
  evals: EvalPoint[];
  best?: KeptCheckpoint;
  warnings: string[];
  notes: string[];
  /** ISO times of the first and last record of this stage. */
  started?: string;
  ended?: string;
  /** Training seconds, from done.json (absent while the stage runs). */
  seconds?: number;
  done: boolean;
  /** Absolute path of the stage's output model (done stages only). */
  output?: string;
  scores?: Record<string, number>;
}

export interface RunData {
  dir: string;
  name: string;
  /** No `run-end` record after the last `run-start`, or a stage without done.json. */
  inProgress: boolean;
  backend?: string;
  started?: string;
  ended?: string;
  recipeYaml: string;
  /** Seq length of the last stage, used to time the models. */
  maxSeqLength: number;
  stages: StageData[];
  /** Slot → role, from the stages that name it (`teacher` / `student`), else `trained`. */
  roles: Record<string, string>;
  /** Warnings not tied to a stage (data warnings of the preflight, for example). */
  warnings: string[];
  /** Log lines that did not parse (a half-written last line of a running log, most often). */
  unreadLines: number;
  /** summary.json of a finished run: metric of every slot on the last task's dev set. */
  summary?: RunSummaryFile;
}

/** The part of a resolved recipe the report shows; the rest is printed as written. */
const recipeSchema = z.looseObject({
  name: z.string(),
  stages: z.array(
    z.looseObject({
      name: z.string(),
      kind: z.string(),
      train: z.string().optional(),
      teacher: z.string().optional(),
      student: z.string().optional(),
      steps: z.number().optional(),
      max_seq_length: z.number().optional(),
      losses: z.record(z.string(), z.number()).optional(),
    }),
  ),
});

const summarySchema = z.looseObject({
  models: z.array(
    z.looseObject({
      slot: z.string(),
      dir: z.string(),
      params: z.number(),
      bytesOnDisk: z.number(),
      scores: z.record(z.string(), z.number()).optional(),
    }),
  ),
});
export type RunSummaryFile = z.infer<typeof summarySchema>;

const doneSchema = z.looseObject({
  output: z.string(),
  seconds: z.number().optional(),
  scores: z.record(z.string(), z.number()).optional(),
  best: z.object({ metric: z.string(), value: z.number(), step: z.number() }).optional(),
});

type LogRecord = Record<string, unknown> & { event?: unknown; stage?: unknown; time?: unknown };

/** Reads RUN_DIR; a DataError when it is not a run folder (no recipe.yaml). */
export function readRun(dir: string): RunData {
  const recipePath = join(dir, RUN_FILES.recipe);
  if (!existsSync(recipePath)) throw new DataError(`${dir}: not a run folder (no ${RUN_FILES.recipe}); give the output_dir of a distill run`);
  const recipeYaml = readFileSync(recipePath, 'utf8');
  let raw: unknown;
  try {
    raw = parse(recipeYaml);
  } catch (e) {
    throw new RecipeError(`${recipePath}: not valid YAML (${(e as Error).message})`);
  }
  const recipe = validate(recipeSchema, raw, recipePath, RecipeError);

  const stages: StageData[] = recipe.stages.map((s) => ({
    name: s.name,
    kind: s.kind,
    slot: s.train ?? s.student,
    totalSteps: s.steps,
    weights: s.losses ?? {},
    steps: [],
    evals: [],
    warnings: [],
    notes: [],
    done: false,
  }));
  const byName = new Map(stages.map((s) => [s.name, s]));
  const roles: Record<string, string> = {};
  for (const s of recipe.stages) {
    if (s.teacher) roles[s.teacher] = 'teacher';
    if (s.student) roles[s.student] = 'student';
    if (s.train) roles[s.train] ??= 'trained';
  }

  const { records, unread } = readLog(join(dir, RUN_FILES.log));
  const data: RunData = {
    dir,
    name: recipe.name,
    inProgress: false,
    recipeYaml,
    maxSeqLength: recipe.stages.at(-1)?.max_seq_length ?? 128,
    stages,
    roles,
    warnings: [],
    unreadLines: unread,
  };
  let ended = false;
  for (const r of records) {
    const time = typeof r.time === 'string' ? r.time : undefined;
    const stage = typeof r.stage === 'string' ? byName.get(r.stage) : undefined;
    if (stage && time) {
      stage.started ??= time;
      stage.ended = time;
    }
    switch (r.event) {
      case 'run-start':
        data.started ??= time;
        data.backend = typeof r.backend === 'string' ? r.backend : data.backend;
        ended = false;
        break;
      case 'run-end':
        data.ended = time;
        ended = true;
        break;
      case 'step':
        if (stage) upsert(stage.steps, stepPoint(r, time ?? ''));
        break;
      case 'eval':
        if (stage) upsert(stage.evals, { step: Number(r.step), metrics: prefixed(r, 'dev.') });
        break;
      case 'warning':
        (stage?.warnings ?? data.warnings).push(String(r.message));
        break;
      case 'note':
        stage?.notes.push(String(r.message));
        break;
    }
  }
  for (const s of stages) readDone(dir, s);
  data.inProgress = !ended || stages.some((s) => !s.done);
  const summaryPath = join(dir, RUN_FILES.summary);
  if (!data.inProgress && existsSync(summaryPath)) {
    data.summary = validate(summarySchema, readJson(summaryPath, DataError), summaryPath, DataError);
  }
  return data;
}

function readLog(path: string): { records: LogRecord[]; unread: number } {
  if (!existsSync(path)) return { records: [], unread: 0 };
  const records: LogRecord[] = [];
  let unread = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as unknown;
      if (r && typeof r === 'object' && !Array.isArray(r)) records.push(r as LogRecord);
      else unread++;
    } catch {
      unread++;
    }
  }
  return { records, unread };
}

function readDone(dir: string, stage: StageData): void {
  const path = join(dir, stage.name, 'done.json');
  if (!existsSync(path)) return;
  const done = validate(doneSchema, readJson(path, DataError), path, DataError);
  stage.done = true;
  stage.output = isAbsolute(done.output) ? done.output : resolve(dir, done.output);
  stage.seconds = done.seconds;
  stage.scores = done.scores;
  stage.best = done.best;
}

function readJson(path: string, E: typeof DataError): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new E(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

function stepPoint(r: LogRecord, time: string): StepPoint {
  return {
    step: Number(r.step),
    time,
    lr: typeof r.lr === 'number' ? r.lr : undefined,
    examplesPerSecond: typeof r.examples_per_second === 'number' ? r.examples_per_second : undefined,
    terms: prefixed(r, 'loss.'),
  };
}

/** The numeric fields named `prefix…`, without the prefix. */
function prefixed(r: LogRecord, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(r)) if (k.startsWith(prefix) && typeof v === 'number') out[k.slice(prefix.length)] = v;
  return out;
}

/** Adds `p`, replacing an earlier point of the same step (a resumed stage logs those again). */
function upsert<T extends { step: number }>(points: T[], p: T): void {
  const i = points.findIndex((q) => q.step === p.step);
  if (i >= 0) points.splice(i, 1);
  points.push(p);
  points.sort((a, b) => a.step - b.step);
}

/** Top-level terms of a stage (`attention`), then the per-layer ones (`attention.layer0`). */
export function termNames(stage: StageData): { top: string[]; layers: string[] } {
  const names = [...new Set(stage.steps.flatMap((p) => Object.keys(p.terms)))];
  return { top: names.filter((n) => !n.includes('.')), layers: names.filter((n) => n.includes('.')) };
}

/** Σ weight × top-level term, as the objective sums it (objective.ts); undefined without weights. */
export function weightedTotal(stage: StageData, p: StepPoint): number | undefined {
  const terms = Object.entries(p.terms).filter(([k]) => !k.includes('.'));
  if (!terms.length || terms.some(([k]) => stage.weights[k] === undefined)) return undefined;
  return terms.reduce((s, [k, v]) => s + v * stage.weights[k]!, 0);
}
