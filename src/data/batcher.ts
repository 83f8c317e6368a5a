/**
 * Features to padded batches, seeded and resumable.
 *
 * Dynamic padding (default): each batch is padded to its own longest example. With length
 * bucketing, examples are shuffled, then sorted by length within chunks of `bucketBatches`
 * batches, cut into batches, and the batch order is shuffled again — so batches hold similar
 * lengths (little padding) while their order stays random. Fixed padding (`dynamicPadding: false`)
 * is the reference: a random permutation cut into batches, every batch padded to max_seq_length.
 *
 * `Batcher` holds in-memory features (task data) and plans a whole epoch at once;
 * `StreamBatcher` reads a corpus stream chunk by chunk (a chunk doubles as the shuffle buffer).
 * Both expose `state`, a plain object; constructing with it continues with identical batches.
 */
import { z } from 'zod';
import { DataError } from '../errors.js';
import { corpusPositionSchema, CORPUS_START, type Corpus, type CorpusPosition, type CorpusSequence } from './corpus.js';
import { collate, type Batch } from './collate.js';
import { corpusFeature, type Feature } from './features.js';

export { collate, type Batch } from './collate.js';
import { Rng, rngStateSchema, seedState } from './rng.js';

export interface BatcherOptions {
  batchSize: number;
  /** Fixed-padding length, and the longest a feature may be. */
  maxSeqLength: number;
  seed: number;
  /** Pad each batch to its longest example, with length bucketing (default true). */
  dynamicPadding?: boolean;
  /** Batches per length-sorting chunk (default 50). */
  bucketBatches?: number;
  /** Random order (default true); false keeps data order, for evaluation. */
  shuffle?: boolean;
  /** Drop an epoch's last partial batch (default false, as the reference). */
  dropLast?: boolean;
  /** Id written at padded positions (default 0, [PAD] in BERT vocabularies). */
  padId?: number;
  /** Label array type (default int: class indices). */
  labelType?: 'int' | 'float';
}

/**
 * Groups item indices (in the given order) into batches: sorted by length within chunks of
 * `bucketBatches` batches when bucketing, and the batch order shuffled when an rng is given.
 */
export function planBatches(order: number[], lengths: (i: number) => number, opts: BatcherOptions, rng?: Rng): number[][] {
  const size = opts.batchSize;
  const chunk = size * (opts.bucketBatches ?? 50);
  const batches: number[][] = [];
  const bucketing = opts.dynamicPadding ?? true;
  for (let c = 0; c < order.length; c += bucketing ? chunk : order.length) {
    const part = order.slice(c, bucketing ? c + chunk : order.length);
    // Stable sort: equal lengths keep their shuffled order.
    if (bucketing) part.sort((a, b) => lengths(a) - lengths(b));
    for (let i = 0; i < part.length; i += size) batches.push(part.slice(i, i + size));
  }
  if (opts.dropLast && batches.length && batches[batches.length - 1].length < size) batches.pop();
  if (rng && bucketing) rng.shuffle(batches);
  return batches;
}

function checkOptions(opts: BatcherOptions): void {
  for (const k of ['batchSize', 'maxSeqLength', 'bucketBatches'] as const) {
    const v = opts[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new DataError(`batcher: ${k} must be a positive integer, got ${v}`);
  }
}

export const batcherStateSchema = z
  .strictObject({
    epoch: z.number().int().min(0).describe('epochs completed'),
    batch: z.number().int().min(0).describe('batches of this epoch already produced'),
    rng: rngStateSchema.describe('rng state at the start of this epoch, before its shuffle'),
    examples: z.number().int().min(0).describe('number of features; a resume with other data is refused'),
  })
  .describe('resume point of an in-memory batcher');
export type BatcherState = z.infer<typeof batcherStateSchema>;

/**
 * The batch order over in-memory items of known lengths, epoch after epoch: which items form each
 * batch. `Batcher` pads src/data features with it; task modules collate their own features.
 */
export class BatchPlan {
  private epoch: number;
  private batch: number;
  private epochRng: number;
  private nextEpochRng = 0;
  private plan: number[][] = [];

  constructor(
    private readonly lengths: readonly number[],
    private readonly opts: BatcherOptions,
    state?: BatcherState,
  ) {
    checkOptions(opts);
    if (lengths.length === 0) throw new DataError('batcher: no examples');
    const longest = lengths.reduce((m, n) => Math.max(m, n), 0);
    if (longest > opts.maxSeqLength) throw new DataError(`batcher: a feature has ${longest} tokens, more than max_seq_length ${opts.maxSeqLength}`);
    if (state && state.examples !== lengths.length) {
      throw new DataError(`resume state was saved for ${state.examples} examples, but the data has ${lengths.length}`);
    }
    this.epoch = state?.epoch ?? 0;
    this.batch = state?.batch ?? 0;
    this.epochRng = state?.rng ?? seedState(opts.seed);
    this.planEpoch();
    if (this.batch > this.plan.length) throw new DataError(`resume state points at batch ${this.batch} of an epoch of ${this.plan.length}`);
  }

  /** Batches in one epoch. */
  get batchesPerEpoch(): number {
    return this.plan.length;
  }

  /** Position of the next batch. */
  get state(): BatcherState {
    return { epoch: this.epoch, batch: this.batch, rng: this.epochRng, examples: this.lengths.length };
  }

  /** True while the current epoch has batches left. */
  get inEpoch(): boolean {
    return this.batch < this.plan.length;
  }

  private planEpoch(): void {
    const shuffle = this.opts.shuffle ?? true;
    const rng = new Rng(this.epochRng);
    const order = shuffle ? rng.permutation(this.lengths.length) : Array.from({ length: this.lengths.length }, (_, i) => i);
    this.plan = planBatches(order, (i) => this.lengths[i], this.opts, shuffle ? rng : undefined);
    this.nextEpochRng = rng.state;
  }

  /** Item indices of the next batch; rolls over into the next epoch. */
  next(): number[] {
    if (this.batch >= this.plan.length) {
      this.epoch++;
      this.batch = 0;
      this.epochRng = this.nextEpochRng;
      this.planEpoch();
    }
    return this.plan[this.batch++];
  }
}

/** Batches over in-memory features, epoch after epoch. */
export class Batcher {
  private readonly plan: BatchPlan;

  constructor(
    private readonly features: readonly Feature[],
    private readonly opts: BatcherOptions,
    state?: BatcherState,
  ) {
    this.plan = new BatchPlan(
      features.map((f) => f.inputIds.length),
      opts,
      state,
    );
  }

  /** Batches in one epoch. */
  get batchesPerEpoch(): number {
    return this.plan.batchesPerEpoch;
  }

  /** Position of the next batch. */
  get state(): BatcherState {
    return this.plan.state;
  }

  /** The next batch; rolls over into the next epoch. */
  next(): Batch {
    const indices = this.plan.next();
    const batch = collate(
      indices.map((i) => this.features[i]),
      { seqLen: (this.opts.dynamicPadding ?? true) ? undefined : this.opts.maxSeqLength, padId: this.opts.padId, labelType: this.opts.labelType },
    );
    batch.indices = Int32Array.from(indices);
    return batch;
  }

  /** The rest of the current epoch. */
  *remainingInEpoch(): Generator<Batch> {
    while (this.plan.inEpoch) yield this.next();
  }
}

export const streamBatcherStateSchema = z
  .strictObject({
    epoch: z.number().int().min(0).describe('passes over the corpus completed'),
    position: corpusPositionSchema.describe('corpus position where the current chunk starts'),
    batch: z.number().int().min(0).describe('batches of the current chunk already produced'),
    rng: rngStateSchema.describe('rng state at the start of the current chunk'),
  })
  .describe('resume point of a corpus batcher');
export type StreamBatcherState = z.infer<typeof streamBatcherStateSchema>;

/** Batches over a streamed corpus, reading `bucketBatches` batches of sequences at a time. */
export class StreamBatcher {
  private epoch: number;
  private position: CorpusPosition;
  private batch: number;
  private chunkRng: number;
  private nextChunkRng = 0;
  private source?: AsyncGenerator<CorpusSequence>;
  private chunk: Feature[] = [];
  private plan: number[][] = [];
  private chunkEnd: CorpusPosition = CORPUS_START;
  private planned = false;

  constructor(
    private readonly corpus: Corpus,
    private readonly opts: BatcherOptions & { clsId: number; sepId: number },
    state?: StreamBatcherState,
  ) {
    checkOptions(opts);
    this.epoch = state?.epoch ?? 0;
    this.position = state?.position ?? CORPUS_START;
    this.batch = state?.batch ?? 0;
    this.chunkRng = state?.rng ?? seedState(opts.seed);
  }

  get state(): StreamBatcherState {
    return { epoch: this.epoch, position: { ...this.position }, batch: this.batch, rng: this.chunkRng };
  }

  /** Reads and plans the chunk starting at `this.position`; false at the end of the corpus. */
  private async readChunk(): Promise<boolean> {
    this.source ??= this.corpus.sequences(this.position);
    const want = this.opts.batchSize * (this.opts.bucketBatches ?? 50);
    this.chunk = [];
    this.chunkEnd = this.position;
    while (this.chunk.length < want) {
      const r = await this.source.next();
      if (r.done) break;
      this.chunk.push(corpusFeature(r.value.ids, this.opts.clsId, this.opts.sepId, r.value.wordStarts));
      this.chunkEnd = r.value.next;
    }
    if (this.chunk.length === 0) return false;
    const shuffle = this.opts.shuffle ?? true;
    const rng = new Rng(this.chunkRng);
    const order = shuffle ? rng.permutation(this.chunk.length) : Array.from({ length: this.chunk.length }, (_, i) => i);
    this.plan = planBatches(order, (i) => this.chunk[i].inputIds.length, { ...this.opts, bucketBatches: Infinity }, shuffle ? rng : undefined);
    this.nextChunkRng = rng.state;
    return true;
  }

  async next(): Promise<Batch> {
    if (!this.planned) {
      this.planned = true;
      if (!(await this.readChunk())) await this.newEpoch();
      if (this.batch > this.plan.length) throw new DataError(`resume state points at batch ${this.batch} of a chunk of ${this.plan.length}`);
    }
    while (this.batch >= this.plan.length) {
      this.position = this.chunkEnd;
      this.chunkRng = this.nextChunkRng;
      this.batch = 0;
      if (!(await this.readChunk())) await this.newEpoch();
    }
    const indices = this.plan[this.batch++];
    return collate(
      indices.map((i) => this.chunk[i]),
      { seqLen: (this.opts.dynamicPadding ?? true) ? undefined : this.opts.maxSeqLength, padId: this.opts.padId },
    );
  }

  private async newEpoch(): Promise<void> {
    const empty = this.epoch === 0 && this.position.offset === 0;
    this.epoch++;
    this.position = CORPUS_START;
    this.batch = 0;
    this.source = undefined;
    if (!(await this.readChunk())) {
      throw new DataError(`${this.corpus.path}: the corpus has no text${empty ? '' : ' (reached while starting a new epoch)'}`);
    }
  }

  /** Stops reading the corpus file. */
  async close(): Promise<void> {
    await this.source?.return(undefined);
  }
}
