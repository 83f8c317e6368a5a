/**
 * One stage of a recipe: finetune (one model on labels) or distillation (teacher and student side
 * by side: general, task-intermediate, task-prediction). Runs optimizer steps with gradient
 * accumulation, logs every loss term, evaluates and checkpoints on schedule, resumes bit for bit.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf, type Tensor } from '../backend/tf.js';
import { RecipeError } from '../errors.js';
import { hardLabelLoss } from '../distill/losses.js';
import { resolveMapping, type ResolvedMapping } from '../distill/mapping.js';
import { distillLosses, type DistillSpec } from '../distill/objective.js';
import { initProjection, type Projection } from '../distill/projection.js';
import type { BertModel } from '../model/bert.js';
import type { ModelOutput } from '../model/output.js';
import type { Recipe, Stage } from '../recipe/schema.js';
import { namedGrads } from '../train/gradients.js';
import { createOptimizer, type Optimizer } from '../train/optimizer.js';
import { makeSchedule } from '../train/schedule.js';
import { hasCheckpoint, readOptimizerState, readTrainerState, writeCheckpoint, type TrainerState } from './checkpoint.js';
import { batchSourceFor, batchTensors, type HostBatch } from './batches.js';
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
  if (stage.kind !== 'general' && teacher.config.head !== 'classification') {
    w.push(`stage ${stage.name}: task distillation with a teacher that has no task head (${teacher.config.head}); fine-tune the teacher on the task first`);
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

export async function runStage(
  recipe: Recipe,
  index: number,
  slots: Slots,
  log: RunLog,
  opts: StageOptions = {},
): Promise<StageResult> {
  const stage = recipe.stages[index];
  const dir = join(recipe.output_dir, stage.name);
  const ckptDir = join(dir, 'checkpoint');
  const distilling = stage.kind !== 'finetune' && stage.kind !== 'pretrain';
  const trainedSlot = (distilling ? stage.student : stage.train)!;
  const seed = mixSeed(recipe.seed, index);
  const resuming = Boolean(opts.resume) && hasCheckpoint(ckptDir);

  // Models. On resume the trained model (and its projections) come from the checkpoint.
  const source: Slots = resuming ? { ...slots, [trainedSlot]: { ...slots[trainedSlot], dir: ckptDir, config: undefined } } : slots;
  const trained: StageModel = instantiate(source, trainedSlot, headFor(recipe, stage), seed);
  const teacher = distilling ? instantiate(slots, stage.teacher!, undefined, seed).model : undefined;
  const vocab = slotVocab(recipe, slots, trainedSlot);
  const warnings = trapWarnings(stage, teacher, trained.model, teacher ? [slotVocab(recipe, slots, stage.teacher!), vocab] : undefined);

  let projection: Projection | undefined;
  let mapping: ResolvedMapping | undefined;
  const intermediate = ['embedding', 'hidden', 'attention'].some((k) => k in stage.losses);
  if (teacher && intermediate) {
    const t = teacher.config;
    const s = trained.model.config;
    mapping = resolveMapping(
      { ...stage.mapping, attention_heads: stage.attention_heads === 'average' ? 'average' : 'all' },
      { layers: t.numLayers, heads: t.numHeads },
      { layers: s.numLayers, heads: s.numHeads },
      `stages.${stage.name}.mapping`,
    );
    const kind = s.hiddenSize === t.hiddenSize && !trained.extras.size ? 'none' : stage.projection === 'per-layer' ? 'per-state' : 'shared';
    projection = initProjection(
      { kind, studentHidden: s.hiddenSize, teacherHidden: t.hiddenSize, numStates: s.numLayers + 1, seed: mixSeed(seed, 7), std: s.initializerRange },
      trained.extras,
    );
  }
  const params = new Map<string, tf.Variable>([...trained.model.params, ...(projection?.params ?? [])]);
  const optimizer = optimizerFor(stage, params);

  const data = await batchSourceFor(recipe, stage, vocab, seed);
  const masking = stage.kind === 'pretrain' ? maskIdsFor(vocab, trained.model.config.vocabSize) : undefined;
  const perEpoch = data.batchesPerEpoch;
  const total = stage.steps ?? Math.max(1, Math.ceil(((stage.epochs ?? 1) * perEpoch) / stage.grad_accum));
  const schedule = makeSchedule({ name: stage.schedule.name, warmup: Math.min(stage.schedule.warmup, 0.999) }, total);

  let state: TrainerState = { stage: stage.name, step: 0, totalSteps: total, data: undefined, examplesSeen: 0, seconds: 0 };
  if (resuming) {
    state = readTrainerState(ckptDir);
    optimizer.setState(readOptimizerState(ckptDir));
    data.setState(state.data);
    log.write({ event: 'resume', stage: stage.name, step: state.step });
  }
  const progress = new StageProgress(stage.name, total, opts);
  for (const w of warnings) {
    progress.note(`warning: ${w}`);
    log.write({ event: 'warning', stage: stage.name, message: w });
  }
  const dev = stage.task ? recipe.tasks[stage.task].dev : undefined;
  const regression = stage.task ? recipe.tasks[stage.task].type === 'regression' : false;
  const spec: Omit<DistillSpec, 'labels'> | undefined = teacher
    ? {
        losses: stage.losses,
        semantics: stage.semantics,
        mapping: mapping ?? { attention: [], hidden: [], attentionHeads: 'all' },
        projection,
        temperature: stage.temperature,
        temperatureSquared: stage.t_squared,
        outputMode: regression ? 'regression' : 'classification',
      }
    : undefined;

  const evaluate = async (): Promise<Scores | undefined> => {
    if (!dev || !stage.eval) return undefined;
    return scoreModel(trained.model, await batchSourceFor(recipe, stage, vocab, seed, 'dev'), regression);
  };
  const save = async (target: string, withTrainingState: boolean) =>
    writeCheckpoint(target, {
      model: trained.model,
      extras: projection ? new Map([...projection.save()].map(([k, v]) => [k, { shape: [...v.shape], data: v.data, dtype: 'F32' as const }])) : undefined,
      optimizer: withTrainingState ? optimizer : undefined,
      trainer: withTrainingState ? { ...state, data: data.getState() } : undefined,
      vocab,
      recipeYaml: recipeToYaml(recipe),
    });

  const started = Date.now() - state.seconds * 1000;
  let windowStart = Date.now();
  let windowExamples = 0;
  try {
    while (state.step < total) {
      let acc: Map<string, Tensor> | undefined;
      let terms: Record<string, number> = {};
      for (let micro = 0; micro < stage.grad_accum; micro++) {
        const dropoutSeed = mixSeed(seed, state.step, micro);
        const next = await data.next();
        const host = masking ? maskTokens(next, masking, stage.mlm_probability, mixSeed(dropoutSeed, 1)) : next;
        const batch = batchTensors(host);
        const skipHead = stage.kind === 'general';
        const teacherOut = teacher ? (tf.tidy(() => teacher.forward(batch, { training: false, skipHead }) as never) as ModelOutput) : undefined;
        const { value, grads } = namedGrads(() => {
          const out = trained.model.forward(batch, { training: true, seed: dropoutSeed, skipHead });
          const l = spec && teacherOut
            ? distillLosses(teacherOut, out, { ...spec, labels: batch.labels })
            : hardOnly(out, batch.labels, regression);
          terms = addTerms(terms, l.terms, stage.grad_accum);
          return l.total;
        }, params);
        value.dispose();
        acc = accumulate(acc, grads, stage.grad_accum);
        if (teacherOut) tf.dispose(teacherOut as never);
        tf.dispose(batch as never);
        state.examplesSeen += host.batchSize;
        windowExamples += host.batchSize;
      }
      const multiplier = schedule(optimizer.stepCount);
      optimizer.step(acc!, stage.optimizer.lr * multiplier);
      tf.dispose([...acc!.values()]);
      state.step++;
      state.seconds = (Date.now() - started) / 1000;
      const rate = windowExamples / Math.max(1e-3, (Date.now() - windowStart) / 1000);
      progress.update(state.step, terms, rate, stage.log_every);
      opts.onStep?.({ stage: stage.name, step: state.step, terms });
      if (state.step % stage.log_every === 0 || state.step === total) {
        log.write({ event: 'step', stage: stage.name, step: state.step, lr: stage.optimizer.lr * multiplier, ...prefix(terms), examples_per_second: rate });
        windowStart = Date.now();
        windowExamples = 0;
      }
      const evalEvery = stage.eval?.every ?? 0;
      if (evalEvery > 0 && state.step % evalEvery === 0 && state.step < total) {
        await evalAndKeepBest();
      }
      if (stage.checkpoint_every > 0 && state.step % stage.checkpoint_every === 0 && state.step < total) {
        await save(ckptDir, true);
        log.write({ event: 'checkpoint', stage: stage.name, step: state.step, dir: ckptDir });
      }
    }
    progress.stop();
    await save(join(dir, 'final'), false);
    const finalScores = await evalAndKeepBest();
    const output = state.best && existsSync(join(dir, 'best')) ? join(dir, 'best') : join(dir, 'final');
    const result: StageResult = { stage: stage.name, output, steps: state.step, seconds: state.seconds, scores: finalScores, warnings };
    writeFileSync(join(dir, 'done.json'), `${JSON.stringify({ ...result, best: state.best }, null, 2)}\n`);
    log.write({ event: 'stage-end', ...result, best: state.best });
    return result;
  } finally {
    progress.stop();
    teacher?.dispose();
    trained.model.dispose();
    projection?.dispose();
    optimizer.dispose();
  }

  async function evalAndKeepBest(): Promise<Scores | undefined> {
    const scores = await evaluate();
    if (!scores || !stage.eval) return undefined;
    const metric = stage.eval.metric;
    const value = scores[metric] ?? Number.NaN;
    log.write({ event: 'eval', stage: stage.name, step: state.step, ...prefix(scores as Record<string, number>, 'dev.') });
    progress.note(`${stage.name}: step ${state.step}: dev ${metric} ${value.toFixed(4)}`);
    if (!state.best || value > state.best.value) {
      state.best = { metric, value, step: state.step };
      await save(join(dir, 'best'), false);
    }
    return scores;
  }
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

function addTerms(acc: Record<string, number>, terms: Record<string, tf.Scalar>, accum: number): Record<string, number> {
  const out = { ...acc };
  for (const [k, t] of Object.entries(terms)) out[k] = (out[k] ?? 0) + t.dataSync()[0]! / accum;
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
