/**
 * The batches of a stage behind one interface: task features (finetune / task stages: the task
 * module's features, planned by src/data's BatchPlan and stacked by the module's `collate`) or a
 * corpus streamed from disk (general and pretrain stages, src/data StreamBatcher; masked for
 * pretrain). Dynamic padding with length bucketing is the default; `dynamic_padding: false` pads
 * to max_seq_length like the reference. The position is plain data saved in checkpoints, so a
 * resumed run sees the same batches as an uninterrupted one.
 */
import { tf, type Tensor } from '../backend/tf.js';
import { CheckpointError } from '../errors.js';
import {
  BatchPlan,
  batcherStateSchema,
  Corpus,
  StreamBatcher,
  streamBatcherStateSchema,
  type Batch as HostBatch,
  type BatcherOptions,
  type StreamBatcherState,
} from '../data/index.js';
import type { Batch, FeatureBase } from '../tasks/task-module.js';
import type { TaskSetup } from '../tasks/infer.js';
import { BertTokenizer } from '../tokenizer/index.js';
import type { Recipe, Stage } from '../recipe/schema.js';
import { validate } from '../util/validate.js';
import { maskBatch, wordPieces, type MaskIds, type MaskingMode } from './masking.js';

export type { HostBatch };

/** One training batch: its tensors (the caller disposes them) and its number of rows. */
export interface StageBatch {
  batch: Batch;
  size: number;
}

export interface BatchSource {
  batchesPerEpoch: number;
  /** Next batch; wraps around to a newly shuffled epoch. `seed` seeds the masked-LM corruption of a pretrain batch. */
  next(seed: number): Promise<StageBatch>;
  getState(): unknown;
  setState(state: unknown): void;
}

/** Tensors of a corpus batch: [B, T] int32 each, masked-LM labels [B, T] when masked. */
export function batchTensors(b: HostBatch): Batch {
  const shape: [number, number] = [b.batchSize, b.seqLen];
  const batch: Batch = {
    inputIds: tf.tensor2d(b.inputIds, shape, 'int32'), // [B, T]
    tokenTypeIds: tf.tensor2d(b.tokenTypeIds, shape, 'int32'), // [B, T]
    attentionMask: tf.tensor2d(b.attentionMask, shape, 'int32'), // [B, T]
  };
  if (b.labels) batch.labels = tf.tensor2d(b.labels, shape, 'int32'); // [B, T]
  return batch;
}

/** Disposes the tensors of a batch. */
export function disposeBatch(batch: Batch): void {
  tf.dispose(Object.values(batch).filter((t): t is Tensor => t !== undefined));
}

/** In-memory task features (BatchPlan order, the module's collate) behind the BatchSource interface. */
class TaskBatches implements BatchSource {
  private plan: BatchPlan;
  constructor(
    private readonly features: readonly FeatureBase[],
    private readonly collate: (part: readonly FeatureBase[]) => Batch,
    private readonly opts: BatcherOptions,
  ) {
    this.plan = new BatchPlan(this.lengths(), opts);
  }
  private lengths(): number[] {
    return this.features.map((f) => f.inputIds.length);
  }
  get batchesPerEpoch(): number {
    return this.plan.batchesPerEpoch;
  }
  async next(): Promise<StageBatch> {
    const indices = this.plan.next();
    return { batch: this.collate(indices.map((i) => this.features[i]!)), size: indices.length };
  }
  getState(): unknown {
    return this.plan.state;
  }
  setState(state: unknown): void {
    this.plan = new BatchPlan(this.lengths(), this.opts, validate(batcherStateSchema, state, { file: 'trainer.json', at: 'data' }, CheckpointError));
  }
}

/** A streamed corpus (StreamBatcher): never loaded whole, resumable from a byte position. */
export class CorpusBatches implements BatchSource {
  private batcher: StreamBatcher;
  constructor(
    private readonly corpus: Corpus,
    private readonly opts: BatcherOptions & { clsId: number; sepId: number },
    readonly batchesPerEpoch: number,
    private readonly masking?: { ids: MaskIds; mode: MaskingMode; probability: number },
  ) {
    this.batcher = new StreamBatcher(corpus, opts);
  }
  /** The next batch as flat arrays, before masking (word boundaries included when the stage masks words). */
  nextHost(): Promise<HostBatch> {
    return this.batcher.next();
  }
  async next(seed: number): Promise<StageBatch> {
    const host = await this.nextHost();
    const m = this.masking;
    return { batch: batchTensors(m ? maskBatch(host, m.ids, m.mode, m.probability, seed) : host), size: host.batchSize };
  }
  getState(): StreamBatcherState {
    return this.batcher.state;
  }
  setState(state: unknown): void {
    void this.batcher.close();
    this.batcher = new StreamBatcher(this.corpus, this.opts, validate(streamBatcherStateSchema, state, { file: 'trainer.json', at: 'data' }, CheckpointError));
  }
}

function batcherOptions(stage: Stage, seed: number, padId: number): BatcherOptions {
  return { batchSize: stage.batch_size, seed, maxSeqLength: stage.max_seq_length, dynamicPadding: stage.dynamic_padding, padId };
}

/** The shuffled, cycling batches of a stage's training features (one array per example: its windows). */
export function taskBatches(stage: Stage, task: TaskSetup, features: readonly FeatureBase[][], seed: number): BatchSource {
  const opts = batcherOptions(stage, seed, task.tokenizer.padId);
  const seqLen = stage.dynamic_padding ? undefined : stage.max_seq_length;
  const collate = (part: readonly FeatureBase[]) => task.module.collate(part, { config: task.config, padId: task.tokenizer.padId, seqLen });
  return new TaskBatches(features.flat(), collate, { ...opts, shuffle: true });
}

/** The batches of a general or pretrain stage's corpus; `masking` corrupts them for the masked-LM loss. */
export async function corpusBatches(recipe: Recipe, stage: Stage, vocab: string, seed: number, masking?: MaskIds): Promise<BatchSource> {
  const tokenizer = BertTokenizer.fromVocabFile(vocab);
  const c = recipe.corpus[stage.corpus!];
  const corpus = new Corpus(c.path, {
    format: c.format,
    maxSeqLength: stage.max_seq_length,
    toIds: (t) => tokenizer.convertTokensToIds(tokenizer.tokenize(t)),
    // Whole-word and span masking need word boundaries; token masking skips the segmenter's cost.
    wordPieces: stage.masking === 'token' ? undefined : (t) => wordPieces(tokenizer, t),
  });
  await corpus.check();
  const perEpoch = stage.steps === undefined ? Math.ceil((await corpus.count()) / stage.batch_size) : 0;
  const opts = { ...batcherOptions(stage, seed, tokenizer.padId), clsId: tokenizer.clsId, sepId: tokenizer.sepId };
  return new CorpusBatches(corpus, opts, perEpoch, masking && { ids: masking, mode: stage.masking, probability: stage.mlm_probability });
}

/**
 * One pass over a stage's training features, shortest first (least padding), each batch collated
 * as the stage's own and disposed when the next is asked for: the teacher-cache fill reads these.
 */
export function* taskBatchesByLength(stage: Stage, task: TaskSetup, features: readonly FeatureBase[][]): Generator<Batch> {
  const flat = features.flat();
  const order = flat.map((_, i) => i).sort((a, b) => flat[a]!.inputIds.length - flat[b]!.inputIds.length || a - b);
  const seqLen = stage.dynamic_padding ? undefined : stage.max_seq_length;
  for (let s = 0; s < order.length; s += stage.batch_size) {
    const part = order.slice(s, s + stage.batch_size).map((i) => flat[i]!);
    const batch = task.module.collate(part, { config: task.config, padId: task.tokenizer.padId, seqLen });
    try {
      yield batch;
    } finally {
      disposeBatch(batch);
    }
  }
}
