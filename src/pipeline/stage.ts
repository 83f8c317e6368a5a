/**
 * One stage of a recipe: finetune (one model on labels) or distillation (teacher and student side
 * by side: general, task-intermediate, task-prediction). Runs optimizer steps with gradient
 * accumulation, logs every loss term, evaluates and checkpoints on schedule, resumes bit for bit.
 *
 * runStage = setUpStage (the task through its module, models and heads, distillSetup's mapping and
 * projection, optimizer, data, resume; here) → trainSteps (the step loop with its non-finite
 * guard, evaluation and checkpoints; loop.ts) → finishStage (final/, last evaluation, done.json;
 * here). Nothing here depends on the task kind: the task module (src/tasks) gives the head, the
 * features, the losses and the dev metrics.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { tf } from '../backend/tf.js';
import { HEAD_PARAM } from '../checkpoint/model-dir.js';
import { CheckpointError, RecipeError } from '../errors.js';
import { resolveMapping, type ResolvedMapping } from '../distill/mapping.js';
import { heldProjection, initProjection, type Projection, type ProjectionKind } from '../distill/projection.js';
import type { BertModel } from '../model/bert.js';
import { describeClassifierRelu } from '../model/config.js';
import { modelParams } from '../model/params.js';
import type { Recipe, Stage } from '../recipe/schema.js';
import { createOptimizer, type Optimizer } from '../train/optimizer.js';
import { makeSchedule } from '../train/schedule.js';
import type { TaskSetup } from '../tasks/infer.js';
import { hasCheckpoint, readOptimizerState, readTrainerState, type TrainerState } from './checkpoint.js';
import { corpusBatches, taskBatches, type BatchSource, type HostBatch } from './batches.js';
import { evalAndKeepBest, mixSeed, save, trainSteps, type StageOptions, type StageRun } from './loop.js';
import { instantiate, slotVocab, type HeadSpec, type Slots, type StageModel } from './models.js';
import type { MaskIds } from './masking.js';
import { featuresOf } from '../tasks/infer.js';
import { readSplit, stageTask, taskHead } from './task-data.js';
import { BertTokenizer } from '../tokenizer/index.js';
import { RunLog, StageProgress } from './progress.js';
import { writeStageDone, type StageResult } from './run-dir.js';
import { cachePaysOff, stageTeacherCache, usesTeacherCache } from './teacher-cache.js';

export { firstNonFinite, mixSeed, type StageOptions } from './loop.js';

/** Parameters of a task head (sequence or token classifier, span outputs), not of a pre-training head. */
const TASK_HEAD_PARAM = /^(classifier|qa_outputs)\./;
export type { StageResult } from './run-dir.js';

/** The head the trained model of a stage needs: masked LM (pretrain), the task's (task stages), none (general). */
function headFor(stage: Stage, task: TaskSetup | undefined): HeadSpec | undefined {
  if (stage.kind === 'pretrain') return { head: 'mlm', numLabels: 0, labels: [] };
  return task && taskHead(task);
}

function optimizerFor(stage: Stage, params: Map<string, tf.Variable>): Optimizer {
  const { name, lr: _lr, ...options } = stage.optimizer;
  return createOptimizer(name, params, options, `stages.${stage.name}.optimizer`);
}

/** Warnings for the known traps of TinyBERT pipelines. */
function trapWarnings(stage: Stage, teacher: BertModel | undefined, student: BertModel, vocabs: [string, string] | undefined): string[] {
  const w: string[] = [];
  if (!teacher) return w;
  if (stage.kind === 'general' && [...teacher.params.keys()].some((n) => TASK_HEAD_PARAM.test(n))) {
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
function teacherHeadWarning(stage: Stage, teacher: StageModel, head: HeadSpec | undefined): string | undefined {
  if ((stage.kind !== 'task-intermediate' && stage.kind !== 'task-prediction') || !head) return undefined;
  const c = teacher.model.config;
  const missing = c.head === head.head ? teacher.freshHead : modelParams({ ...c, ...head }).map((p) => p.name).filter((n) => HEAD_PARAM.test(n));
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
    const vocab = slotVocab(recipe, slots, trainedSlot);
    const train = stage.task === undefined ? undefined : readSplit(recipe, stage, 'train');
    const task = train && stageTask(recipe, stage, vocab, train);
    const head = headFor(stage, task);
    // Models. On resume the trained model (and its projections) come from the checkpoint.
    const source: Slots = resuming ? { ...slots, [trainedSlot]: { ...slots[trainedSlot], dir: ckptDir, config: undefined } } : slots;
    const trained = instantiate(source, trainedSlot, head, seed);
    owned.push(trained.model);
    if (trained.freshHead.length) notes.push(`stage ${stage.name}: ${trainedSlot} gets a fresh task head (${trained.freshHead.join(', ')}); ${trained.source} has none for this task`);
    const teacherModel = distilling ? instantiate(slots, stage.teacher!, undefined, seed) : undefined;
    if (teacherModel) owned.push(teacherModel.model);
    const teacherWarning = teacherModel && teacherHeadWarning(stage, teacherModel, head);
    if (teacherWarning) warnings.push(teacherWarning);
    const teacher = teacherModel?.model;
    warnings.push(...trapWarnings(stage, teacher, trained.model, teacher ? [slotVocab(recipe, slots, stage.teacher!), vocab] : undefined));

    const distillation = teacher && distillSetup(stage, teacher, trained, source[trainedSlot].dir !== undefined, seed);
    const projection = distillation?.projection;
    if (projection) owned.push(projection);
    if (distillation?.warning) warnings.push(distillation.warning);
    const params = new Map<string, tf.Variable>([...trained.model.params, ...(projection?.params ?? [])]);
    const optimizer = optimizerFor(stage, params);
    owned.push(optimizer);

    const features = task && featuresOf(task, train!);
    const data: BatchSource = task
      ? taskBatches(stage, task, features!, seed)
      : await corpusBatches(recipe, stage, vocab, seed, stage.kind === 'pretrain' ? maskIdsFor(vocab, trained.model.config.vocabSize) : undefined);
    const total = stage.steps ?? Math.max(1, Math.ceil((stage.epochs! * data.batchesPerEpoch) / stage.grad_accum));
    const schedule = makeSchedule(stage.schedule, total);

    let state: TrainerState = { stage: stage.name, step: 0, totalSteps: total, data: undefined, examplesSeen: 0, seconds: 0 };
    if (resuming) {
      state = readTrainerState(ckptDir);
      optimizer.setState(readOptimizerState(ckptDir));
      data.setState(state.data);
      log.write({ event: 'resume', stage: stage.name, step: state.step });
    }
    const cached = teacher && task && usesTeacherCache(stage) && cachePaysOff(stage, total, data.batchesPerEpoch, notes);
    const cache = cached ? await stageTeacherCache(stage, dir, teacher!, task!, features!, log) : undefined;
    if (cache) owned.push({ dispose: () => cache.close() });
    const progress = new StageProgress(stage.name, total, opts);
    announce(log, progress, stage, notes, warnings, trained, projection);
    const spec = distillation?.spec;
    return { recipe, stage, dir, ckptDir, seed, log, trained, teacher, cache, vocab, projection, params, optimizer, data, task, total, schedule, state, spec, progress, warnings };
  } catch (e) {
    for (const o of owned) o.dispose();
    throw e;
  }
}

/**
 * What a distillation stage adds: the layer mapping and the student->teacher projection (stages
 * with intermediate losses) and the objective's settings, all from the resolved stage.
 */
function distillSetup(stage: Stage, teacher: BertModel, trained: StageModel, fromDir: boolean, seed: number): { spec: NonNullable<StageRun['spec']>; projection?: Projection; warning?: string } {
  let projection: Projection | undefined;
  let mapping: ResolvedMapping | undefined;
  let warning: string | undefined;
  const intermediate = ['embedding', 'hidden', 'attention'].some((k) => k in stage.losses);
  if (intermediate) {
    mapping = resolveMapping(
      { ...stage.mapping, attention_heads: stage.attention_heads },
      { layers: teacher.config.numLayers, heads: teacher.config.numHeads },
      { layers: trained.model.config.numLayers, heads: trained.model.config.numHeads },
      `stages.${stage.name}.mapping`,
    );
    ({ projection, warning } = stageProjection(stage, teacher, trained, fromDir, seed));
  }
  const spec = {
    losses: stage.losses,
    semantics: stage.semantics,
    mapping: mapping ?? { attention: [], hidden: [], attentionHeads: stage.attention_heads },
    projection,
    temperature: stage.temperature,
    temperatureSquared: stage.t_squared,
  };
  return { spec, projection, warning };
}

/** Notes, warnings, the classifier's form and the projection's origin, on the console and in the log. */
function announce(log: RunLog, progress: StageProgress, stage: Stage, notes: string[], warnings: string[], trained: StageModel, projection: Projection | undefined): void {
  for (const n of notes) {
    progress.note(`note: ${n}`);
    log.write({ event: 'note', stage: stage.name, message: n });
  }
  for (const w of warnings) {
    progress.note(`warning: ${w}`);
    log.write({ event: 'warning', stage: stage.name, message: w });
  }
  // classifier_relu applies to the sequence classifier only.
  if (trained.model.config.head === 'classification') {
    log.write({ event: 'classifier', stage: stage.name, message: describeClassifierRelu(trained.model.config) });
  }
  if (projection) log.write({ event: 'projection', stage: stage.name, kind: projection.spec.kind, source: projection.source, from: trained.source });
}

function disposeStage(run: StageRun): void {
  run.progress.stop();
  run.teacher?.dispose();
  run.cache?.close();
  run.trained.model.dispose();
  run.projection?.dispose();
  run.optimizer.dispose();
}

async function finishStage(run: StageRun): Promise<StageResult> {
  const { stage, state, dir } = run;
  run.progress.stop();
  await save(run, join(dir, 'final'), false);
  const finalScores = await evalAndKeepBest(run);
  const kept = state.best && existsSync(join(dir, 'best')) ? state.best : undefined;
  const output = join(dir, kept ? 'best' : 'final');
  // The scores of the checkpoint handed on: the best one's, not the last evaluation's.
  const scores = kept && kept.step !== state.step ? kept.scores : finalScores;
  const best = state.best && { metric: state.best.metric, value: state.best.value, step: state.best.step };
  const result: StageResult = { stage: stage.name, output, steps: state.step, seconds: state.seconds, scores, warnings: run.warnings };
  writeStageDone(run.recipe.output_dir, dir, result, best);
  run.log.write({ event: 'stage-end', ...result, best });
  return result;
}

function maskIdsFor(vocab: string, vocabSize: number): MaskIds {
  const t = BertTokenizer.fromVocabFile(vocab);
  return { maskId: t.maskId, vocabSize, special: new Set([t.clsId, t.sepId, t.padId]) };
}

export type { HostBatch };
