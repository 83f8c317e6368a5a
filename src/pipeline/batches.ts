/**
 * The batches of a stage behind one interface: task examples (finetune / task stages, tokenized
 * once, src/data Batcher) or a corpus streamed from disk (general stage, src/data StreamBatcher).
 * Dynamic padding with length bucketing is the default; `dynamic_padding: false` pads to
 * max_seq_length like the reference. The position is plain data saved in checkpoints, so a resumed
 * run sees the same batches as an uninterrupted one.
 */
import { tf, type Tensor } from '../backend/tf.js';
import { CheckpointError } from '../errors.js';
import {
  Batcher,
  batcherStateSchema,
  Corpus,
  readTaskSplit,
  StreamBatcher,
  streamBatcherStateSchema,
  toFeatures,
  type Batch,
  type BatcherOptions,
  type BatcherState,
  type Feature,
  type StreamBatcherState,
} from '../data/index.js';
import { BertTokenizer } from '../tokenizer/index.js';
import type { Recipe, Stage } from '../recipe/schema.js';
import { wordPieces } from './masking.js';
import { validate } from '../util/validate.js';

/** A batch as flat [B·T] arrays (src/data's Batch). */
export type HostBatch = Batch;

export interface BatchSource {
  batchesPerEpoch: number;
  /** Next batch; wraps around to a newly shuffled epoch. */
  next(): Promise<HostBatch>;
  getState(): unknown;
  setState(state: unknown): void;
}

/** Batch of tensors for a model forward: [B, T] int32 each, labels [B]. */
export function batchTensors(b: HostBatch): { inputIds: Tensor; tokenTypeIds: Tensor; attentionMask: Tensor; labels?: Tensor } {
  const shape: [number, number] = [b.batchSize, b.seqLen];
  return {
    inputIds: tf.tensor2d(b.inputIds, shape, 'int32'),
    tokenTypeIds: tf.tensor2d(b.tokenTypeIds, shape, 'int32'),
    attentionMask: tf.tensor2d(b.attentionMask, shape, 'int32'),
    // [B] per-example labels, or [B, T] per-token labels (masked LM).
    labels: b.labels
      ? tf.tensor(b.labels, b.labels.length === b.batchSize * b.seqLen && b.seqLen > 1 ? shape : [b.batchSize], b.labels instanceof Float32Array ? 'float32' : 'int32')
      : undefined,
  };
}

/** In-memory task features (Batcher) behind the BatchSource interface. */
class TaskBatches implements BatchSource {
  private batcher: Batcher;
  constructor(
    private readonly features: Feature[],
    private readonly opts: BatcherOptions,
  ) {
    this.batcher = new Batcher(features, opts);
  }
  get batchesPerEpoch(): number {
    return this.batcher.batchesPerEpoch;
  }
  async next(): Promise<HostBatch> {
    return this.batcher.next();
  }
  getState(): BatcherState {
    return this.batcher.state;
  }
  setState(state: unknown): void {
    this.batcher = new Batcher(this.features, this.opts, validate(batcherStateSchema, state, { file: 'trainer.json', at: 'data' }, CheckpointError));
  }
}

/** A streamed corpus (StreamBatcher): never loaded whole, resumable from a byte position. */
class CorpusBatches implements BatchSource {
  private batcher: StreamBatcher;
  constructor(
    private readonly corpus: Corpus,
    private readonly opts: BatcherOptions & { clsId: number; sepId: number },
    readonly batchesPerEpoch: number,
  ) {
    this.batcher = new StreamBatcher(corpus, opts);
  }
  async next(): Promise<HostBatch> {
    return this.batcher.next();
  }
  getState(): StreamBatcherState {
    return this.batcher.state;
  }
  setState(state: unknown): void {
    void this.batcher.close();
    this.batcher = new StreamBatcher(this.corpus, this.opts, validate(streamBatcherStateSchema, state, { file: 'trainer.json', at: 'data' }, CheckpointError));
  }
}

/** The batch source of a stage's split (`train`: shuffled, cycling; `dev`/`test`: in file order). */
export async function batchSourceFor(
  recipe: Recipe,
  stage: Stage,
  vocab: string,
  seed: number,
  split: 'train' | 'dev' | 'test' = 'train',
): Promise<BatchSource> {
  const tokenizer = BertTokenizer.fromVocabFile(vocab);
  const maxSeqLength = stage.max_seq_length;
  const base: BatcherOptions = { batchSize: stage.batch_size, seed, maxSeqLength, dynamicPadding: stage.dynamic_padding, padId: tokenizer.padId };
  if (stage.corpus) {
    const c = recipe.corpus[stage.corpus];
    const corpus = new Corpus(c.path, {
      format: c.format,
      maxSeqLength,
      toIds: (t) => tokenizer.convertTokensToIds(tokenizer.tokenize(t)),
      // Whole-word and span masking need word boundaries; token masking skips the segmenter's cost.
      wordPieces: stage.masking === 'token' ? undefined : (t) => wordPieces(tokenizer, t),
    });
    await corpus.check();
    const perEpoch = stage.steps === undefined ? Math.ceil((await corpus.count()) / stage.batch_size) : 0;
    return new CorpusBatches(corpus, { ...base, clsId: tokenizer.clsId, sepId: tokenizer.sepId }, perEpoch);
  }
  const task = recipe.tasks[stage.task!];
  const examples = readTaskSplit(task, split, { taskName: stage.task });
  const features = toFeatures(examples, tokenizer, maxSeqLength);
  const regression = task.type === 'regression';
  return new TaskBatches(features, { ...base, shuffle: split === 'train', labelType: regression ? 'float' : 'int' });
}
