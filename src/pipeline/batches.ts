/**
 * Batches for a stage: task examples (finetune / task stages) or packed corpus sequences (general
 * stage), tokenized once, served in seeded order. Dynamic padding (a batch is padded to its longest
 * example) with length bucketing is the default; `dynamic_padding: false` pads to max_seq_length like
 * the reference. The position (epoch, index, shuffle seed) is plain data, so a resumed run sees the
 * same batches as an uninterrupted one.
 */
import { tf, type Tensor } from '../backend/tf.js';
import { readTaskExamples, streamCorpusSequences } from './examples.js';
import { BertTokenizer } from '../tokenizer/index.js';
import type { Recipe, Stage } from '../recipe/schema.js';

export interface HostBatch {
  inputIds: Int32Array; // [B·T]
  tokenTypeIds: Int32Array; // [B·T]
  attentionMask: Int32Array; // [B·T]
  labels?: Int32Array | Float32Array; // [B]
  batchSize: number;
  seqLen: number;
}

export interface BatchSource {
  batchesPerEpoch: number;
  /** Next batch; wraps around to a newly shuffled epoch. */
  next(): Promise<HostBatch>;
  getState(): unknown;
  setState(state: unknown): void;
}

export interface Feature {
  ids: number[];
  types: number[];
  label?: number;
}

/** Batch of tensors for a model forward: [B, T] int32 each, labels [B]. */
export function batchTensors(b: HostBatch): { inputIds: Tensor; tokenTypeIds: Tensor; attentionMask: Tensor; labels?: Tensor } {
  const shape: [number, number] = [b.batchSize, b.seqLen];
  return {
    inputIds: tf.tensor2d(b.inputIds, shape, 'int32'),
    tokenTypeIds: tf.tensor2d(b.tokenTypeIds, shape, 'int32'),
    attentionMask: tf.tensor2d(b.attentionMask, shape, 'int32'),
    labels: b.labels ? tf.tensor1d(b.labels, b.labels instanceof Float32Array ? 'float32' : 'int32') : undefined,
  };
}

/** mulberry32 (Tommy Ettinger, public domain): small, fast, seedable, state is one integer. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/**
 * Batch order of one epoch. With bucketing, examples are shuffled, cut into chunks of 50 batches,
 * sorted by length inside a chunk, batched, and the batches shuffled: similar lengths share a batch
 * (little padding) while the order stays random.
 */
export function epochBatches(lengths: number[], batchSize: number, seed: number, shuffled: boolean, bucketing: boolean): number[][] {
  const order = lengths.map((_, i) => i);
  if (!shuffled) return chunk(order, batchSize);
  const rand = mulberry32(seed);
  shuffle(order, rand);
  if (!bucketing) return chunk(order, batchSize);
  const batches: number[][] = [];
  const span = batchSize * 50;
  for (let s = 0; s < order.length; s += span) {
    const part = order.slice(s, s + span).sort((a, b) => lengths[a] - lengths[b] || a - b);
    batches.push(...chunk(part, batchSize));
  }
  return shuffle(batches, rand);
}

function chunk(xs: number[], n: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

export function collate(features: Feature[], fixedLength: number | undefined, regression: boolean): HostBatch {
  const T = fixedLength ?? Math.max(...features.map((f) => f.ids.length));
  const B = features.length;
  const inputIds = new Int32Array(B * T);
  const tokenTypeIds = new Int32Array(B * T);
  const attentionMask = new Int32Array(B * T);
  features.forEach((f, b) => {
    inputIds.set(f.ids, b * T);
    tokenTypeIds.set(f.types, b * T);
    attentionMask.fill(1, b * T, b * T + f.ids.length);
  });
  const hasLabels = features.every((f) => f.label !== undefined);
  const labels = hasLabels ? (regression ? Float32Array.from(features, (f) => f.label!) : Int32Array.from(features, (f) => f.label!)) : undefined;
  return { inputIds, tokenTypeIds, attentionMask, labels, batchSize: B, seqLen: T };
}

interface Position {
  epoch: number;
  index: number;
}

/** In-memory features served epoch by epoch. */
export class FeatureBatches implements BatchSource {
  private pos: Position = { epoch: 0, index: 0 };
  private order: number[][];

  constructor(
    private readonly features: Feature[],
    private readonly opts: { batchSize: number; seed: number; shuffle: boolean; dynamic: boolean; maxLength: number; regression: boolean },
  ) {
    this.order = this.epochOrder(0);
  }

  get batchesPerEpoch(): number {
    return this.order.length;
  }

  private epochOrder(epoch: number): number[][] {
    const lengths = this.features.map((f) => f.ids.length);
    return epochBatches(lengths, this.opts.batchSize, this.opts.seed + epoch * 7919, this.opts.shuffle, this.opts.dynamic);
  }

  async next(): Promise<HostBatch> {
    if (this.pos.index >= this.order.length) {
      this.pos = { epoch: this.pos.epoch + 1, index: 0 };
      this.order = this.epochOrder(this.pos.epoch);
    }
    const idx = this.order[this.pos.index++];
    return collate(idx.map((i) => this.features[i]), this.opts.dynamic ? undefined : this.opts.maxLength, this.opts.regression);
  }

  getState(): Position {
    return { ...this.pos };
  }

  setState(state: unknown): void {
    const s = state as Position;
    this.pos = { epoch: s.epoch, index: s.index };
    this.order = this.epochOrder(s.epoch);
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
  const maxLength = stage.max_seq_length;
  const base = { batchSize: stage.batch_size, seed, maxLength, dynamic: stage.dynamic_padding };
  if (stage.corpus) {
    const corpus = recipe.corpus[stage.corpus];
    const features: Feature[] = [];
    for await (const ids of streamCorpusSequences(corpus.path, corpus.format, tokenizer, maxLength)) {
      features.push({ ids, types: new Array(ids.length).fill(0) });
    }
    return new FeatureBatches(features, { ...base, shuffle: true, regression: false });
  }
  const task = recipe.tasks[stage.task!];
  const examples = readTaskExamples(task, split);
  const features = examples.map((e) => {
    const enc = tokenizer.encode(e.textA, e.textB, { maxLength });
    return { ids: enc.inputIds, types: enc.tokenTypeIds, label: e.label };
  });
  return new FeatureBatches(features, { ...base, shuffle: split === 'train', regression: task.type === 'regression' });
}
