/**
 * `distill(recipe)`: runs a recipe's stages in order, each stage's output replacing its model slot
 * for the next, then exports and compares models as the recipe asks. What `tinybert distill` calls;
 * a TypeScript user can call it directly.
 *
 *   <output_dir>/recipe.yaml   the fully resolved recipe
 *   <output_dir>/log.jsonl     every loss term, evaluation, checkpoint and warning
 *   <output_dir>/<stage>/      checkpoint/ (while running), final/, best/, done.json
 *   <output_dir>/run.json      where each model slot ended up (relative to the run folder)
 *   <output_dir>/.tinybert-run, .tinybert-lock   marker and lock (run-dir.ts)
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../backend/select.js';
import { tf } from '../backend/tf.js';
import { exportModel } from '../checkpoint/export.js';
import { loadModelDir, weightsPath } from '../checkpoint/model-dir.js';
import { UsageError } from '../errors.js';
import { recipeToYaml } from '../recipe/load.js';
import { writeReport } from '../report/report.js';
import { RUN_FILES } from '../recipe/run-files.js';
import type { Recipe } from '../recipe/schema.js';
import { writeTextAtomic } from '../util/fs.js';
import { disposeBatch } from './batches.js';
import type { BertModel } from '../model/bert.js';
import { initialSlots, slotVocab, type Slots } from './models.js';
import { setDataWarningSink } from '../data/rows.js';
import { preflight } from './preflight.js';
import { RunLog, type ProgressOptions } from './progress.js';
import { checkResumedRecipe, openRunDir, readStageDone, runRelative, type RecipeChange } from './run-dir.js';
import { runStage, type StageOptions, type StageResult } from './stage.js';
import { runAugmentStage, withAugmentedTasks } from './augment-stage.js';
import { scoreModel, type Scores } from './score.js';
import { readSplit, stageTask } from './task-data.js';
import type { TaskSetup } from '../tasks/infer.js';
import { featuresOf } from '../tasks/infer.js';

export interface DistillOptions extends ProgressOptions, Pick<StageOptions, 'onStep'> {
  /** Continue an interrupted run: finished stages are skipped, a stage checkpoint is resumed. */
  resume?: boolean;
  /** Start over even if the output directory holds an earlier run (only a folder tinybert created). */
  overwrite?: boolean;
  /** With resume: accept the safe recipe changes (run-dir.ts SAFE_CHANGES); others are still refused. */
  allowChanges?: boolean;
}

export interface ModelReport {
  slot: string;
  dir: string;
  params: number;
  bytesOnDisk: number;
  scores?: Scores;
  /** Mean eval-mode forward time for one dev batch, milliseconds. */
  latencyMs?: number;
}

export interface RunResult {
  outputDir: string;
  stages: StageResult[];
  slots: Record<string, string | undefined>;
  exported?: string;
  models: ModelReport[];
  seconds: number;
}

/**
 * Runs `recipe` in its output_dir, which it holds locked for the whole run (see run-dir.ts for
 * the marker, lock and the recipe comparison on resume).
 */
export async function distill(recipe: Recipe, opts: DistillOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const out = recipe.output_dir;
  if (opts.resume && opts.overwrite) throw new UsageError('--resume and --overwrite exclude each other: continue the run or start it over');
  // Data warnings (e.g. invalid UTF-8, said once per file) reach the run log too; those of the
  // preflight, which runs before the log exists, are held until it does.
  const warnings = new WarningRelay();
  try {
    await preflight(recipe, initialSlots(recipe)); // every input checked before anything is written or run
    const run = openRunDir(out, { ...opts, stages: recipe.stages.map((s) => s.name) });
    try {
      const changes = run.resuming ? checkResumedRecipe(out, recipe, opts.allowChanges) : [];
      return await runStages(recipe, opts, started, changes, warnings);
    } finally {
      run.release();
    }
  } finally {
    warnings.restore();
  }
}

/** Takes data warnings while a run lives: passed on as before, and logged once a log exists. */
class WarningRelay {
  private readonly held: string[] = [];
  private log?: RunLog;
  private readonly previous = setDataWarningSink((message) => {
    if (this.log) this.log.write({ event: 'warning', message });
    else this.held.push(message);
    this.previous(message);
  });

  attach(log: RunLog): void {
    for (const message of this.held.splice(0)) log.write({ event: 'warning', message });
    this.log = log;
  }

  restore(): void {
    setDataWarningSink(this.previous);
  }
}

async function runStages(recipe: Recipe, opts: DistillOptions, started: number, changes: RecipeChange[], warnings: WarningRelay): Promise<RunResult> {
  const out = recipe.output_dir;
  await initBackend(recipe.backend === 'auto' ? undefined : recipe.backend, { quiet: opts.quiet });
  writeTextAtomic(join(out, RUN_FILES.recipe), recipeToYaml(recipe));
  const log = new RunLog(join(out, RUN_FILES.log));
  log.write({ event: 'run-start', recipe: recipe.name, resume: Boolean(opts.resume), backend: tf.getBackend() });
  warnings.attach(log);
  return runLoggedStages(recipe, opts, started, changes, log);
}

async function runLoggedStages(written: Recipe, opts: DistillOptions, started: number, changes: RecipeChange[], log: RunLog): Promise<RunResult> {
  // The stages also see the tasks augment stages write (recipe.yaml keeps the tasks as written).
  const recipe = withAugmentedTasks(written);
  const out = recipe.output_dir;
  if (changes.length) {
    log.write({ event: 'recipe-changed', changes });
    if (!opts.quiet) process.stderr.write(`resuming with recipe changes: ${changes.map((c) => `${c.path}: ${String(c.from)} -> ${String(c.to)}`).join('; ')}\n`);
  }

  const slots: Slots = initialSlots(recipe);
  const results: StageResult[] = [];
  for (let i = 0; i < recipe.stages.length; i++) {
    const stage = recipe.stages[i];
    // An augment stage writes a task, not a model: no slot changes.
    const slot = stage.train ?? stage.student;
    const done = join(out, stage.name, 'done.json');
    if (opts.resume && existsSync(done)) {
      const prev = readStageDone(out, done);
      if (slot) slots[slot] = { ...slots[slot], dir: prev.output, config: undefined };
      results.push(prev);
      if (!opts.quiet) process.stderr.write(`${stage.name}: already done, output ${prev.output}\n`);
      continue;
    }
    const r = stage.kind === 'augment' ? await runAugmentStage(recipe, i, slots, log, opts) : await runStage(recipe, i, slots, log, opts);
    results.push(r);
    if (slot) slots[slot] = { ...slots[slot], dir: r.output, config: undefined };
  }
  const slotDirs = Object.fromEntries(Object.entries(slots).map(([k, v]) => [k, v.dir]));
  const last = [...recipe.stages].reverse().find((s) => s.student !== undefined);
  const student = last?.student ?? recipe.stages[recipe.stages.length - 1].train;
  // Relative to the run folder, so a copied or moved run exports its own models.
  const stored = Object.fromEntries(Object.entries(slotDirs).filter(([, d]) => d !== undefined).map(([k, d]) => [k, runRelative(out, d!)]));
  writeTextAtomic(join(out, RUN_FILES.run), `${JSON.stringify({ slots: stored, student }, null, 2)}\n`);

  let exported: string | undefined;
  if (student && slots[student]?.dir) {
    exported = join(out, RUN_FILES.export);
    const r = await exportModel(slots[student].dir!, { out: exported, format: 'safetensors', vocab: slotVocab(recipe, slots, student) });
    log.write({ event: 'export', slot: student, dir: exported, dropped: r.droppedTensors, warnings: r.warnings });
  }
  const models = await compareModels(recipe, slots);
  const seconds = (Date.now() - started) / 1000;
  const result: RunResult = { outputDir: out, stages: results, slots: slotDirs, exported, models, seconds };
  writeTextAtomic(join(out, RUN_FILES.summary), `${JSON.stringify(result, null, 2)}\n`);
  log.write({ event: 'run-end', seconds });
  await reportRun(out, log, opts);
  return result;
}

/** The run's report.html/.md/.json; a failure to draw it is a warning, never a lost run. */
async function reportRun(out: string, log: RunLog, opts: DistillOptions): Promise<void> {
  try {
    await writeReport(out);
  } catch (e) {
    const message = `the run report was not written (${(e as Error).message}); try again with "tinybert report ${out}"`;
    log.write({ event: 'warning', message });
    if (!opts.quiet) process.stderr.write(`warning: ${message}\n`);
  }
}

/** Metric, size and latency of every trained slot on the last task's dev set (slots with that task's head). */
async function compareModels(recipe: Recipe, slots: Slots): Promise<ModelReport[]> {
  const taskStage = [...recipe.stages].reverse().find((s) => s.task !== undefined && recipe.tasks[s.task]!.dev);
  const reports: ModelReport[] = [];
  let dev: { task: TaskSetup; examples: unknown[] } | undefined;
  for (const [slot, s] of Object.entries(slots)) {
    if (!s.dir) continue;
    const { model } = loadModelDir(s.dir);
    try {
      const report: ModelReport = {
        slot,
        dir: s.dir,
        params: model.numParams((n) => !n.startsWith('cls.')),
        // The weights file; a stage output still holds its training-only projections (the export does not).
        bytesOnDisk: statSync(weightsPath(s.dir)).size,
      };
      if (taskStage && model.config.head === taskStage.head) {
        const task = stageTask(recipe, taskStage, slotVocab(recipe, slots, slot));
        dev ??= { task, examples: readSplit(recipe, taskStage, 'dev', task.labels) };
        report.scores = scoreModel(model, task, dev.examples, taskStage.batch_size);
        report.latencyMs = timeForward(model, task, dev.examples.slice(0, taskStage.batch_size));
      }
      reports.push(report);
    } finally {
      model.dispose();
    }
  }
  return reports;
}

/** Milliseconds of one eval-mode forward over the first dev batch. */
function timeForward(model: BertModel, task: TaskSetup, examples: readonly unknown[]): number {
  const features = featuresOf(task, examples).flat();
  const batch = task.module.collate(features, { config: task.config, padId: task.tokenizer.padId });
  const run = () => tf.tidy(() => model.forward(batch, { training: false }).logits!.dataSync());
  run();
  const n = 3;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) run();
  disposeBatch(batch);
  return (performance.now() - t0) / n;
}

/** The final comparison table printed at the end of a run. */
export function formatRunTable(r: RunResult): string {
  const metricNames = [...new Set(r.models.flatMap((m) => Object.keys(m.scores ?? {}).filter((k) => k !== 'examples')))];
  const header = ['model', 'parameters', 'weights MiB', ...metricNames, 'latency ms/batch'];
  const rows = r.models.map((m) => [
    m.slot,
    m.params.toLocaleString('en-US'),
    (m.bytesOnDisk / 1048576).toFixed(2),
    ...metricNames.map((k) => (m.scores?.[k as keyof Scores] !== undefined ? (m.scores[k as keyof Scores] as number).toFixed(4) : '-')),
    m.latencyMs !== undefined ? m.latencyMs.toFixed(1) : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

