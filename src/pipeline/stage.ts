/**
 * One stage of a recipe: finetune (one model on labels) or distillation (teacher and student side
 * by side: general, task-intermediate, task-prediction). Runs optimizer steps with gradient
 * accumulation, logs every loss term, evaluates and checkpoints on schedule, resumes bit for bit.
 * A non-finite loss term or gradient stops the stage before its update, and no checkpoint or
 * output is ever written from non-finite weights.
 *
 * runStage = setUpStage (models, projection, optimizer, data, resume) → trainSteps (the step loop,
 * evaluation and checkpoints on schedule) → finishStage (final/, last evaluation, done.json).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf, type Tensor } from '../backend/tf.js';
import { HEAD_PARAM } from '../checkpoint/model-dir.js';
import type { TensorMap } from '../checkpoint/tensor-map.js';
import { CheckpointError, RecipeError } from '../errors.js';
import { hardLabelLoss } from '../distill/losses.js';
import { resolveMapping, type ResolvedMapping } from '../distill/mapping.js';
import { distillLosses, type DistillSpec } from '../distill/objective.js';
import { heldProjection, initProjection, type Projection, type ProjectionKind } from '../distill/projection.js';
import type { BertModel } from '../model/bert.js';
import type { ModelOutput } from '../model/output.js';
import { modelParams } from '../model/params.js';
import type { Recipe, Stage } from '../recipe/schema.js';
import { namedGrads } from '../train/gradients.js';
import { createOptimizer, type Optimizer } from '../train/optimizer.js';
import { makeSchedule } from '../train/schedule.js';
import { hasCheckpoint, readOptimizerState, readTrainerState, writeCheckpoint, type TrainerState } from './checkpoint.js';
import { batchSourceFor, batchTensors, type BatchSource, type HostBatch } from './batches.js';
import { instantiate, slotVocab, type HeadSpec, type Slots, type StageModel } from './models.js';
import { maskTokens, type MaskIds } from './masking.js';
import { BertTokenizer } from '../tokenizer/index.js';
import { RunLog, StageProgress, type ProgressOptions } from './progress.js';
import { scoreModel, type Scores } from './score.js';
import { recipeToYaml } from '../recipe/load.js';

export interface StageResult {
  stage: string;
  /** Model directory the stage hands to later stages (best by metric, else final). */
  output: string;
  steps: number;
  seconds: number;
  scores?: Scores;
  warnings: string[];
}

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

/** Everything a running stage holds: built by setUpStage, released by disposeStage. */
interface StageRun {
  recipe: Recipe;
  stage: Stage;
  dir: string;
  ckptDir: string;
  seed: number;
  log: RunLog;
  trained: StageModel;
  teacher?: BertModel;
  vocab: string;
  projection?: Projection;
  params: Map<string, tf.Variable>;
  optimizer: Optimizer;
  data: BatchSource;
  masking?: MaskIds;
  total: number;
  schedule: (step: number) => number;
  state: TrainerState;
  spec?: Omit<DistillSpec, 'labels'>;
  regression: boolean;
  progress: StageProgress;
  warnings: string[];
}

function headFor(recipe: Recipe, stage: Stage): HeadSpec | undefined {
  if (stage.kind === 'general') return undefined;
  if (stage.kind === 'pretrain') return { head: 'mlm', numLabels: 0, labels: [] };
  const task = stage.task ? recipe.tasks[stage.task] : undefined;
  const labels = task?.labels ?? Array.from({ length: stage.num_labels }, (_, i) => `LABEL_${i}`);
  return { head: 'classification' as const, numLabels: stage.num_labels, labels };
}

function optimizerFor(stage: Stage, params: Map<string, tf.Variable>): Optimizer {
  const { name, lr: _lr, ...options } = stage.optimizer;
  return createOptimizer(name, params, options, `stages.${stage.name}.optimizer`);
}

/** Warnings for the known traps of TinyBERT pipelines. */
function trapWarnings(stage: Stage, teacher: BertModel | undefined, student: BertModel, vocabs: [string, string] | undefined): string[] {
  const w: string[] = [];
  if (!teacher) return w;
  if (stage.kind === 'general' && teacher.config.head === 'classification') {
    w.push(`stage ${stage.name}: general distillation with a teacher that has a task head (fine-tuned?); TinyBERT's general stage uses the pre-trained teacher`);
  }
  if (teacher.config.vocabSize !== student.config.vocabSize || (vocabs && vocabs[0] !== vocabs[1] && !sameFile(vocabs[0], vocabs[1]))) {
    w.push(`stage ${stage.name}: teacher and student vocabularies differ (${teacher.config.vocabSize} vs ${student.config.vocabSize} ids); distillation assumes the same tokenization`);
  }
  return w;
}

function sameFile(a: string, b: string): boolean {
  try {
    return readFileSync(a, 'utf8') === readFileSync(b, 'utf8');
  } catch {
    return false;
  }
}

/**
 * A task stage needs a teacher with a trained task head. task-prediction distils the teacher's
 * logits, so a missing head is refused; task-intermediate only distils layers, so it is a warning.
 */
function teacherHeadWarning(stage: Stage, teacher: StageModel): string | undefined {
  if (stage.kind !== 'task-intermediate' && stage.kind !== 'task-prediction') return undefined;
  const c = teacher.model.config;
  const missing = c.head === 'classification' ? teacher.freshHead : modelParams({ ...c, head: 'classification', numLabels: stage.num_labels }).map((p) => p.name).filter((n) => HEAD_PARAM.test(n));
  if (missing.length === 0) return undefined;
  const what = `${teacher.source}: the teacher of stage ${stage.name} has no task head (missing ${missing.join(', ')})`;
  if (stage.kind === 'task-prediction') {
    throw new CheckpointError(`${what}; task-prediction distils the teacher's logits, so fine-tune it on the task first (a finetune stage, or a fine-tuned directory)`);
  }
  return `${what}; intermediate layers are distilled, but TinyBERT distils a teacher fine-tuned on the task`;
}

/**
 * The student->teacher projection of a stage with intermediate losses. The kind is what the
 * student checkpoint holds (its trained fit_dense / fit_denses.N are kept); a recipe that asks for
 * another kind is refused. A fresh projection is said when the student came from a directory.
 */
function stageProjection(stage: Stage, teacher: BertModel, trained: StageModel, fromDir: boolean, seed: number): { projection: Projection; warning?: string } {
  const t = teacher.config;
  const s = trained.model.config;
  const held = heldProjection(trained.extras);
  if (held && stage.projection !== 'auto' && stage.projection !== held) {
    const names = held === 'shared' ? 'fit_dense' : 'fit_denses.N';
    throw new RecipeError(
      `stages.${stage.name}.projection: the student ${trained.source} holds trained ${held} projections (${names}) but the recipe says ${stage.projection}; remove projection: to keep them`,
    );
  }
  const kind: ProjectionKind = held ?? (s.hiddenSize === t.hiddenSize ? 'none' : stage.projection === 'auto' ? 'shared' : stage.projection);
  const projection = initProjection(
    { kind, studentHidden: s.hiddenSize, teacherHidden: t.hiddenSize, numStates: s.numLayers + 1, seed: mixSeed(seed, 7), std: s.initializerRange },
    trained.extras,
  );
  const warning =
    fromDir && kind !== 'none' && projection.source === 'init' && stage.kind !== 'general'
      ? `stage ${stage.name}: the student ${trained.source} holds no fit_dense, so its ${kind} projection starts from random; ` +
        `to keep the general stage's trained projection give its output directory (<run>/<general stage>/final), not its export`
      : undefined;
  return { projection, warning };
}

export async function runStage(recipe: Recipe, index: number, slots: Slots, log: RunLog, opts: StageOptions = {}): Promise<StageResult> {
  const run = await setUpStage(recipe, index, slots, log, opts);
  try {
    await trainSteps(run, opts);
    return await finishStage(run);
  } finally {
    disposeStage(run);
  }
}

async function setUpStage(recipe: Recipe, index: number, slots: Slots, log: RunLog, opts: StageOptions): Promise<StageRun> {
  const stage = recipe.stages[index];
  const dir = join(recipe.output_dir, stage.name);
  const ckptDir = join(dir, 'checkpoint');
  const distilling = stage.kind !== 'finetune' && stage.kind !== 'pretrain';
  const trainedSlot = (distilling ? stage.student : stage.train)!;
  const seed = mixSeed(recipe.seed, index);
  const resuming = Boolean(opts.resume) && hasCheckpoint(ckptDir);
  const notes: string[] = [];
  const warnings: string[] = [];
  const owned: { dispose(): void }[] = [];
  try {
    // Models. On resume the trained model (and its projections) come from the checkpoint.
    const source: Slots = resuming ? { ...slots, [trainedSlot]: { ...slots[trainedSlot], dir: ckptDir, config: undefined } } : slots;
    const trained = instantiate(source, trainedSlot, headFor(recipe, stage), seed);
    owned.push(trained.model);
    if (trained.freshHead.length) notes.push(`stage ${stage.name}: ${trainedSlot} gets a fresh task head (${trained.freshHead.join(', ')}); ${trained.source} has none for this task`);
    const teacherModel = distilling ? instantiate(slots, stage.teacher!, undefined, seed) : undefined;
    if (teacherModel) owned.push(teacherModel.model);
    const teacherWarning = teacherModel && teacherHeadWarning(stage, teacherModel);
    if (teacherWarning) warnings.push(teacherWarning);
    const teacher = teacherModel?.model;
    const vocab = slotVocab(recipe, slots, trainedSlot);
    warnings.push(...trapWarnings(stage, teacher, trained.model, teacher ? [slotVocab(recipe, slots, stage.teacher!), vocab] : undefined));

    let projection: Projection | undefined;
    let mapping: ResolvedMapping | undefined;
    const intermediate = ['embedding', 'hidden', 'attention'].some((k) => k in stage.losses);
    if (teacher && intermediate) {
      mapping = resolveMapping(
        { ...stage.mapping, attention_heads: stage.attention_heads },
        { layers: teacher.config.numLayers, heads: teacher.config.numHeads },
        { layers: trained.model.config.numLayers, heads: trained.model.config.numHeads },
        `stages.${stage.name}.mapping`,
      );
      const p = stageProjection(stage, teacher, trained, source[trainedSlot].dir !== undefined, seed);
      projection = p.projection;
      owned.push(projection);
      if (p.warning) warnings.push(p.warning);
    }
    const params = new Map<string, tf.Variable>([...trained.model.params, ...(projection?.params ?? [])]);
    const optimizer = optimizerFor(stage, params);
    owned.push(optimizer);

    const data = await batchSourceFor(recipe, stage, vocab, seed);
    const masking = stage.kind === 'pretrain' ? maskIdsFor(vocab, trained.model.config.vocabSize) : undefined;
    const total = stage.steps ?? Math.max(1, Math.ceil((stage.epochs! * data.batchesPerEpoch) / stage.grad_accum));
    const schedule = makeSchedule(stage.schedule, total);

    let state: TrainerState = { stage: stage.name, step: 0, totalSteps: total, data: undefined, examplesSeen: 0, seconds: 0 };
    if (resuming) {
      state = readTrainerState(ckptDir);
      optimizer.setState(readOptimizerState(ckptDir));
      data.setState(state.data);
      log.write({ event: 'resume', stage: stage.name, step: state.step });
    }
    const progress = new StageProgress(stage.name, total, opts);
    for (const n of notes) {
      progress.note(`note: ${n}`);
      log.write({ event: 'note', stage: stage.name, message: n });
    }
    for (const w of warnings) {
      progress.note(`warning: ${w}`);
      log.write({ event: 'warning', stage: stage.name, message: w });
    }
    if (projection) log.write({ event: 'projection', stage: stage.name, kind: projection.spec.kind, source: projection.source, from: trained.source });
    const regression = stage.task ? recipe.tasks[stage.task].type === 'regression' : false;
    const spec: Omit<DistillSpec, 'labels'> | undefined = teacher
      ? {
          losses: stage.losses,
          semantics: stage.semantics,
          mapping: mapping ?? { attention: [], hidden: [], attentionHeads: stage.attention_heads },
          projection,
          temperature: stage.temperature,
          temperatureSquared: stage.t_squared,
          outputMode: regression ? 'regression' : 'classification',
        }
      : undefined;
    return { recipe, stage, dir, ckptDir, seed, log, trained, teacher, vocab, projection, params, optimizer, data, masking, total, schedule, state, spec, regression, progress, warnings };
  } catch (e) {
    for (const o of owned) o.dispose();
    throw e;
  }
}

function disposeStage(run: StageRun): void {
  run.progress.stop();
  run.teacher?.dispose();
  run.trained.model.dispose();
  run.projection?.dispose();
  run.optimizer.dispose();
}

/** Optimizer steps until the stage's total, with evaluation and checkpoints on schedule. */
async function trainSteps(run: StageRun, opts: StageOptions): Promise<void> {
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
  const { stage, state, teacher, spec, masking } = run;
  let acc: Map<string, Tensor> | undefined;
  let terms: Record<string, number> = {};
  let examples = 0;
  const skipHead = stage.kind === 'general';
  for (let micro = 0; micro < stage.grad_accum; micro++) {
    const dropoutSeed = mixSeed(run.seed, state.step, micro);
    const next = await run.data.next();
    const host = masking ? maskTokens(next, masking, stage.mlm_probability, mixSeed(dropoutSeed, 1)) : next;
    const batch = batchTensors(host);
    const teacherOut = teacher ? (tf.tidy(() => teacher.forward(batch, { training: false, skipHead }) as never) as ModelOutput) : undefined;
    let microTerms: Record<string, number> = {};
    const { value, grads } = namedGrads(() => {
      const out = run.trained.model.forward(batch, { training: true, seed: dropoutSeed, skipHead });
      const l = spec && teacherOut ? distillLosses(teacherOut, out, { ...spec, labels: batch.labels }) : hardOnly(out, batch.labels, run.regression);
      microTerms = termNumbers(l.terms);
      return l.total;
    }, run.params);
    value.dispose();
    acc = accumulate(acc, grads, stage.grad_accum);
    if (teacherOut) tf.dispose(teacherOut as never);
    tf.dispose(batch as never);
    const bad = Object.entries(microTerms).find(([, v]) => !Number.isFinite(v));
    if (bad) {
      tf.dispose([...acc.values()]);
      throw nonFinite(run, `loss term ${bad[0]} is ${bad[1]}`);
    }
    terms = addTerms(terms, microTerms, stage.grad_accum);
    state.examplesSeen += host.batchSize;
    examples += host.batchSize;
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

async function save(run: StageRun, target: string, withTrainingState: boolean): Promise<void> {
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
    recipeYaml: recipeToYaml(run.recipe),
  });
}

async function finishStage(run: StageRun): Promise<StageResult> {
  const { stage, state, dir } = run;
  run.progress.stop();
  await save(run, join(dir, 'final'), false);
  const finalScores = await evalAndKeepBest(run);
  const output = state.best && existsSync(join(dir, 'best')) ? join(dir, 'best') : join(dir, 'final');
  const result: StageResult = { stage: stage.name, output, steps: state.step, seconds: state.seconds, scores: finalScores, warnings: run.warnings };
  writeFileSync(join(dir, 'done.json'), `${JSON.stringify({ ...result, best: state.best }, null, 2)}\n`);
  run.log.write({ event: 'stage-end', ...result, best: state.best });
  return result;
}

/** Scores the dev set (stages with eval only) and keeps the best model by the stage's metric. */
async function evalAndKeepBest(run: StageRun): Promise<Scores | undefined> {
  const { recipe, stage, state } = run;
  const dev = stage.task ? recipe.tasks[stage.task].dev : undefined;
  if (!dev || !stage.eval) return undefined;
  const scores = await scoreModel(run.trained.model, await batchSourceFor(recipe, stage, run.vocab, run.seed, 'dev'), run.regression);
  const metric = stage.eval.metric;
  const value = scores[metric] ?? Number.NaN;
  run.log.write({ event: 'eval', stage: stage.name, step: state.step, ...prefix(scores as Record<string, number>, 'dev.') });
  run.progress.note(`${stage.name}: step ${state.step}: dev ${metric} ${value.toFixed(4)}`);
  if (!state.best || value > state.best.value) {
    state.best = { metric, value, step: state.step };
    await save(run, join(run.dir, 'best'), false);
  }
  return scores;
}

function maskIdsFor(vocab: string, vocabSize: number): MaskIds {
  const t = BertTokenizer.fromVocabFile(vocab);
  return { maskId: t.maskId, vocabSize, special: new Set([t.clsId, t.sepId, t.padId]) };
}

function hardOnly(out: ModelOutput, labels: Tensor | undefined, regression: boolean) {
  if (!out.logits) throw new RecipeError('finetune: the trained model has no task head');
  if (!labels) throw new RecipeError('finetune: the batch has no labels');
  const hard = hardLabelLoss(out.logits, labels, { semantics: 'reference', mask: out.attentionMask, outputMode: regression ? 'regression' : 'classification' });
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

export type { HostBatch };
