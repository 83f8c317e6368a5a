/**
 * The step loop of a stage: forward and backward over accumulated micro-batches, the optimizer
 * step, logging, evaluation and checkpoints on schedule. A non-finite loss term or gradient stops
 * the stage before its update, and no checkpoint or output is written from non-finite weights.
 * stage.ts builds the `StageRun` this loop works on.
 */
import { join } from 'node:path';
import { tf, type Tensor } from '../backend/tf.js';
import type { TensorMap } from '../checkpoint/tensor-map.js';
import { hardLabelLoss } from '../distill/losses.js';
import { distillLosses, type DistillSpec } from '../distill/objective.js';
import type { Projection } from '../distill/projection.js';
import { cachedTeacherOutput, type TeacherCache } from '../distill/teacher-cache.js';
import { RecipeError } from '../errors.js';
import type { BertModel } from '../model/bert.js';
import type { ModelOutput } from '../model/output.js';
import { recipeToYaml } from '../recipe/load.js';
import type { Recipe, Stage } from '../recipe/schema.js';
import { namedGrads } from '../train/gradients.js';
import type { Optimizer } from '../train/optimizer.js';
import type { TaskSetup } from '../tasks/infer.js';
import type { Batch } from '../tasks/task-module.js';
import { writtenRecipe } from './augment-stage.js';
import { disposeBatch, type BatchSource } from './batches.js';
import { hasCheckpoint, writeCheckpoint, type TrainerState } from './checkpoint.js';
import type { StageModel } from './models.js';
import type { ProgressOptions, RunLog, StageProgress } from './progress.js';
import { scoreModel, type Scores } from './score.js';
import { readSplit } from './task-data.js';

export interface StageOptions extends ProgressOptions {
  resume?: boolean;
  /** Called after every optimizer step (monitoring, memory tests). */
  onStep?: (info: { stage: string; step: number; terms: Record<string, number> }) => void;
}

/** Mixes integers into a 31-bit seed (same inputs → same dropout masks, also after resume). */
export function mixSeed(...xs: number[]): number {
  let h = 0x2545f491;
  for (const x of xs) h = Math.imul(h ^ (x >>> 0), 0x9e3779b1) ^ (h >>> 15);
  return (h >>> 1) & 0x7fffffff;
}

/** Everything a running stage holds: built by setUpStage (stage.ts), released by disposeStage. */
export interface StageRun {
  recipe: Recipe;
  stage: Stage;
  dir: string;
  ckptDir: string;
  seed: number;
  log: RunLog;
  trained: StageModel;
  teacher?: BertModel;
  /** The teacher's cached logits (task-prediction stages with teacher_cache auto; ./teacher-cache.ts). */
  cache?: TeacherCache;
  vocab: string;
  projection?: Projection;
  params: Map<string, tf.Variable>;
  optimizer: Optimizer;
  data: BatchSource;
  /** The stage's task through its module (finetune and task stages). */
  task?: TaskSetup;
  /** Dev examples, read at the first evaluation. */
  dev?: unknown[];
  total: number;
  schedule: (step: number) => number;
  state: TrainerState;
  spec?: Omit<DistillSpec, 'labels' | 'taskLosses'>;
  progress: StageProgress;
  warnings: string[];
}

/** Optimizer steps until the stage's total, with evaluation and checkpoints on schedule. */
export async function trainSteps(run: StageRun, opts: StageOptions): Promise<void> {
  const { stage, state } = run;
  const started = Date.now() - state.seconds * 1000;
  let windowStart = Date.now();
  let windowExamples = 0;
  while (state.step < run.total) {
    const { grads, terms, examples } = await accumulateGrads(run);
    windowExamples += examples;
    const bad = firstNonFinite(grads);
    if (bad) {
      tf.dispose([...grads.values()]);
      throw nonFinite(run, `the gradient of ${bad} is not finite`);
    }
    const multiplier = run.schedule(run.optimizer.stepCount);
    run.optimizer.step(grads, stage.optimizer.lr * multiplier);
    tf.dispose([...grads.values()]);
    state.step++;
    state.seconds = (Date.now() - started) / 1000;
    const rate = windowExamples / Math.max(1e-3, (Date.now() - windowStart) / 1000);
    run.progress.update(state.step, terms, rate, stage.log_every);
    opts.onStep?.({ stage: stage.name, step: state.step, terms });
    if (state.step % stage.log_every === 0 || state.step === run.total) {
      run.log.write({ event: 'step', stage: stage.name, step: state.step, lr: stage.optimizer.lr * multiplier, ...prefix(terms), examples_per_second: rate });
      windowStart = Date.now();
      windowExamples = 0;
    }
    const evalEvery = stage.eval?.every ?? 0;
    if (evalEvery > 0 && state.step % evalEvery === 0 && state.step < run.total) {
      await evalAndKeepBest(run);
    }
    if (stage.checkpoint_every > 0 && state.step % stage.checkpoint_every === 0 && state.step < run.total) {
      await save(run, run.ckptDir, true);
      run.log.write({ event: 'checkpoint', stage: stage.name, step: state.step, dir: run.ckptDir });
    }
  }
}

/**
 * Forward and backward over `grad_accum` micro-batches: the summed gradients (each scaled by
 * 1/accum) and the mean of each loss term. A non-finite term stops the stage here, before any update.
 */
async function accumulateGrads(run: StageRun): Promise<{ grads: Map<string, Tensor>; terms: Record<string, number>; examples: number }> {
  const { stage, state, teacher, spec } = run;
  let acc: Map<string, Tensor> | undefined;
  let terms: Record<string, number> = {};
  let examples = 0;
  const skipHead = stage.kind === 'general';
  for (let micro = 0; micro < stage.grad_accum; micro++) {
    const dropoutSeed = mixSeed(run.seed, state.step, micro);
    const { batch, size } = await run.data.next(mixSeed(dropoutSeed, 1));
    const cached = run.cache?.lookup(batch); // [B, K] or [B, T, K]; undefined when a row is not cached
    const teacherOut = cached
      ? cachedTeacherOutput(cached, batch)
      : teacher
        ? (tf.tidy(() => teacher.forward(batch, { training: false, skipHead }) as never) as ModelOutput)
        : undefined;
    const taskLosses = taskLossesOf(run, batch);
    let microTerms: Record<string, number> = {};
    const { value, grads } = namedGrads(() => {
      const out = run.trained.model.forward(batch, { training: true, seed: dropoutSeed, skipHead });
      const l = spec && teacherOut ? distillLosses(teacherOut, out, { ...spec, labels: batch.labels, taskLosses }) : hardOnly(out, batch, taskLosses);
      microTerms = termNumbers(l.terms);
      return l.total;
    }, run.params);
    value.dispose();
    acc = accumulate(acc, grads, stage.grad_accum);
    if (teacherOut) tf.dispose(teacherOut as never);
    disposeBatch(batch);
    const bad = Object.entries(microTerms).find(([, v]) => !Number.isFinite(v));
    if (bad) {
      tf.dispose([...acc.values()]);
      throw nonFinite(run, `loss term ${bad[0]} is ${bad[1]}`);
    }
    terms = addTerms(terms, microTerms, stage.grad_accum);
    state.examplesSeen += size;
    examples += size;
  }
  return { grads: acc!, terms, examples };
}

/** The one-line error that stops a stage whose training diverged. */
function nonFinite(run: StageRun, what: string): RecipeError {
  const kept = hasCheckpoint(run.ckptDir) ? `the last good checkpoint is ${run.ckptDir}` : 'no checkpoint was written (checkpoint_every)';
  return new RecipeError(`stage ${run.stage.name}: step ${run.state.step + 1}: ${what}; stopped before the update, ${kept}; lower stages.${run.stage.name}.optimizer.lr?`);
}

/**
 * Name of the first tensor holding NaN or ±Inf, else undefined. The common case costs one sum per
 * tensor and one read: a NaN or Inf element makes the total non-finite (it cannot cancel out). Only
 * then is each tensor probed exactly (x·0 is 0 for finite x, NaN otherwise), so a total that merely
 * overflowed from huge finite values is not mistaken for a NaN.
 */
export function firstNonFinite(tensors: ReadonlyMap<string, Tensor>): string | undefined {
  const read = (f: () => Tensor): number => {
    const s = tf.tidy(f); // []
    const v = s.dataSync()[0]!;
    s.dispose();
    return v;
  };
  if (tensors.size === 0 || Number.isFinite(read(() => tf.addN([...tensors.values()].map((t) => tf.sum(t)))))) return undefined;
  for (const [name, t] of tensors) if (!Number.isFinite(read(() => tf.sum(tf.mul(t, 0))))) return name;
  return undefined;
}

export async function save(run: StageRun, target: string, withTrainingState: boolean): Promise<void> {
  const bad = firstNonFinite(run.params);
  if (bad) throw new RecipeError(`stage ${run.stage.name}: step ${run.state.step}: parameter ${bad} is not finite; ${target} not written`);
  // A stage without intermediate losses hands its student's trained projections on unchanged.
  const extras: TensorMap | undefined = run.projection
    ? new Map([...run.projection.save()].map(([k, v]) => [k, { shape: [...v.shape], data: v.data, dtype: 'F32' as const }]))
    : run.trained.extras.size
      ? run.trained.extras
      : undefined;
  await writeCheckpoint(target, {
    model: run.trained.model,
    extras,
    optimizer: withTrainingState ? run.optimizer : undefined,
    trainer: withTrainingState ? { ...run.state, data: run.data.getState() } : undefined,
    vocab: run.vocab,
    recipeYaml: recipeToYaml(writtenRecipe(run.recipe)),
  });
}

/** Scores the dev set (stages with eval only) and keeps the best model by the stage's metric. */
export async function evalAndKeepBest(run: StageRun): Promise<Scores | undefined> {
  const { recipe, stage, state, task } = run;
  if (!task || !stage.eval || recipe.tasks[stage.task!]!.dev === undefined) return undefined;
  run.dev ??= readSplit(recipe, stage, 'dev', task.labels);
  const scores = scoreModel(run.trained.model, task, run.dev, stage.batch_size);
  const metric = stage.eval.metric;
  const value = scores[metric] ?? Number.NaN;
  run.log.write({ event: 'eval', stage: stage.name, step: state.step, ...prefix(scores, 'dev.') });
  run.progress.note(`${stage.name}: step ${state.step}: dev ${metric} ${value.toFixed(4)}`);
  if (!state.best || value > state.best.value) {
    state.best = { metric, value, step: state.step, scores };
    await save(run, join(run.dir, 'best'), false);
  }
  return scores;
}

/** The task module's losses over this batch, for the distillation objective and fine-tuning. */
function taskLossesOf(run: StageRun, batch: Batch): DistillSpec['taskLosses'] {
  const { task, stage } = run;
  if (!task) return undefined;
  const settings = { semantics: stage.semantics, temperature: stage.temperature, temperatureSquared: stage.t_squared };
  return {
    prediction: (student, teacher) => task.module.distillLoss(student, teacher, batch, task.config, settings),
    hard: (logits) => task.module.hardLoss(logits, batch, task.config),
  };
}

/** Fine-tuning on the task's labels, or (no task: pretrain) the masked-LM loss over [B, T] labels. */
function hardOnly(out: ModelOutput, batch: Batch, taskLosses: DistillSpec['taskLosses']) {
  if (!out.logits) throw new RecipeError('finetune: the trained model has no task head');
  if (!batch.labels) throw new RecipeError('finetune: the batch has no labels');
  const hard = taskLosses ? taskLosses.hard(out.logits) : hardLabelLoss(out.logits, batch.labels, { semantics: 'reference', mask: out.attentionMask });
  return { total: hard, terms: { hard } as Record<string, tf.Scalar> };
}

/** Plain numbers of the loss terms (one read each; they are logged every step anyway). */
function termNumbers(terms: Record<string, tf.Scalar>): Record<string, number> {
  return Object.fromEntries(Object.entries(terms).map(([k, t]) => [k, t.dataSync()[0]!]));
}

function addTerms(acc: Record<string, number>, terms: Record<string, number>, accum: number): Record<string, number> {
  const out = { ...acc };
  for (const [k, v] of Object.entries(terms)) out[k] = (out[k] ?? 0) + v / accum;
  return out;
}

/** Sums micro-batch gradients, each scaled by 1/accum (the mean over the accumulated batches). */
function accumulate(acc: Map<string, Tensor> | undefined, grads: Map<string, Tensor>, accum: number): Map<string, Tensor> {
  if (accum === 1) return grads;
  const out = acc ?? new Map<string, Tensor>();
  for (const [name, g] of grads) {
    const scaled = tf.div(g, accum);
    g.dispose();
    const prev = out.get(name);
    if (prev) {
      out.set(name, tf.add(prev, scaled));
      prev.dispose();
      scaled.dispose();
    } else out.set(name, scaled);
  }
  return out;
}

function prefix(terms: Record<string, number>, p = 'loss.'): Record<string, number> {
  return Object.fromEntries(Object.entries(terms).map(([k, v]) => [p + k, v]));
}
