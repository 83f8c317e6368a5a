import { describe, expect, it } from 'vitest';
import {
  Batcher,
  batcherStateSchema,
  collate,
  Corpus,
  StreamBatcher,
  streamBatcherStateSchema,
  type Batch,
  type BatcherOptions,
  type Feature,
} from '../../src/data/index.js';
import { DataError } from '../../src/errors.js';
import { fakeTokenizer, writeTemp } from './helpers.js';

/** n features with lengths 3..maxLen spread pseudo-randomly; token ids encode the feature index. */
function features(n: number, maxLen = 64): Feature[] {
  return Array.from({ length: n }, (_, i) => {
    const len = 3 + ((i * 7919) % (maxLen - 2));
    return { inputIds: [1, ...new Array(len - 2).fill(100 + i), 2], tokenTypeIds: new Array(len).fill(0), label: i % 3 };
  });
}

const opts: BatcherOptions = { batchSize: 8, maxSeqLength: 64, seed: 1 };
const take = (b: { next(): Batch }, n: number) => Array.from({ length: n }, () => b.next());
const padding = (batches: Batch[]) => batches.reduce((s, b) => s + b.attentionMask.length - b.attentionMask.reduce((x, y) => x + y, 0), 0);
/** Feature index of each row (first real token after [CLS]). */
const rows = (b: Batch) => Array.from({ length: b.batchSize }, (_, r) => b.inputIds[r * b.seqLen + 1] - 100);

describe('collate', () => {
  it('pads to the longest feature with pad id, zero types and a 0/1 mask', () => {
    const b = collate([
      { inputIds: [1, 5, 2], tokenTypeIds: [0, 0, 0], label: 1 },
      { inputIds: [1, 6, 2, 7, 2], tokenTypeIds: [0, 0, 0, 1, 1], label: 0 },
    ]);
    expect(b.batchSize).toBe(2);
    expect(b.seqLen).toBe(5);
    expect(Array.from(b.inputIds)).toEqual([1, 5, 2, 0, 0, 1, 6, 2, 7, 2]);
    expect(Array.from(b.tokenTypeIds)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect(Array.from(b.attentionMask)).toEqual([1, 1, 1, 0, 0, 1, 1, 1, 1, 1]);
    expect(b.labels).toEqual(new Int32Array([1, 0]));
  });

  it('fixed length, float labels, a custom pad id, and no labels', () => {
    const b = collate([{ inputIds: [1, 2], tokenTypeIds: [0, 0], label: 0.5 }], { seqLen: 4, labelType: 'float', padId: 9 });
    expect(Array.from(b.inputIds)).toEqual([1, 2, 9, 9]);
    expect(b.labels).toEqual(new Float32Array([0.5]));
    expect(collate([{ inputIds: [1, 2], tokenTypeIds: [0, 0] }]).labels).toBeUndefined();
  });

  it('rejects a feature longer than the batch length and mixed labelled/unlabelled rows', () => {
    expect(() => collate([{ inputIds: [1, 2, 3], tokenTypeIds: [0, 0, 0] }], { seqLen: 2 })).toThrow(new DataError('a feature has 3 tokens, more than the batch length 2'));
    expect(() => collate([{ inputIds: [1], tokenTypeIds: [0], label: 1 }, { inputIds: [1], tokenTypeIds: [0] }])).toThrow(/mixes labelled and unlabelled/);
  });
});

describe('Batcher', () => {
  const data = features(203);

  it('is deterministic given a seed, and the seed matters', () => {
    const a = take(new Batcher(data, opts), 40);
    expect(take(new Batcher(data, opts), 40)).toEqual(a);
    expect(take(new Batcher(data, { ...opts, seed: 2 }), 40).map(rows)).not.toEqual(a.map(rows));
  });

  it('visits every example exactly once per epoch, with a different order each epoch', () => {
    for (const dynamicPadding of [true, false]) {
      const b = new Batcher(data, { ...opts, dynamicPadding });
      expect(b.batchesPerEpoch).toBe(26);
      const e1 = take(b, 26).flatMap(rows);
      const e2 = take(b, 26).flatMap(rows);
      expect([...e1].sort((x, y) => x - y)).toEqual(data.map((_, i) => i));
      expect([...e2].sort((x, y) => x - y)).toEqual(data.map((_, i) => i));
      expect(e2).not.toEqual(e1);
      expect(b.state.epoch).toBe(1);
    }
  });

  it('length bucketing cuts padding well below unbucketed dynamic and fixed padding', () => {
    const bucketed = padding(take(new Batcher(data, opts), 26));
    const unbucketed = padding(take(new Batcher(data, { ...opts, bucketBatches: 1 }), 26));
    const fixed = padding(take(new Batcher(data, { ...opts, dynamicPadding: false }), 26));
    expect(bucketed).toBeLessThan(unbucketed / 3);
    expect(unbucketed).toBeLessThan(fixed);
  });

  it('fixed padding pads every batch to max_seq_length (the reference)', () => {
    const batches = take(new Batcher(data, { ...opts, dynamicPadding: false }), 26);
    expect(batches.every((b) => b.seqLen === 64)).toBe(true);
    expect(batches.at(-1)!.batchSize).toBe(203 % 8);
  });

  it('resumes from a serialised state with identical batches, across epoch boundaries', () => {
    for (const o of [opts, { ...opts, dynamicPadding: false }]) {
      const straight = new Batcher(data, o);
      const reference = take(straight, 70);
      for (const k of [0, 1, 25, 26, 27, 52, 60]) {
        const first = new Batcher(data, o);
        take(first, k);
        const saved = batcherStateSchema.parse(JSON.parse(JSON.stringify(first.state)));
        expect(take(new Batcher(data, o, saved), 70 - k)).toEqual(reference.slice(k));
      }
    }
  });

  it('keeps data order without shuffling, and reports each row\'s index', () => {
    const b = new Batcher(data, { ...opts, shuffle: false, dynamicPadding: false });
    const first = b.next();
    expect(rows(first)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(first.indices!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const sorted = new Batcher(data, { ...opts, shuffle: false });
    const all = [...sorted.remainingInEpoch()];
    expect(all.flatMap((x) => Array.from(x.indices!)).sort((x, y) => x - y)).toEqual(data.map((_, i) => i));
    expect(all.every((x) => rows(x).every((r, i) => r === x.indices![i]))).toBe(true);
  });

  it('drops the last partial batch when asked', () => {
    expect(new Batcher(data, { ...opts, dropLast: true }).batchesPerEpoch).toBe(25);
  });

  it('rejects no data, too-long features, bad sizes and a state saved for other data', () => {
    expect(() => new Batcher([], opts)).toThrow(new DataError('batcher: no examples'));
    expect(() => new Batcher(data, { ...opts, maxSeqLength: 32 })).toThrow(/a feature has \d+ tokens, more than max_seq_length 32/);
    expect(() => new Batcher(data, { ...opts, batchSize: 0 })).toThrow('batcher: batchSize must be a positive integer, got 0');
    const state = new Batcher(data, opts).state;
    expect(() => new Batcher(data.slice(1), opts, state)).toThrow('resume state was saved for 203 examples, but the data has 202');
    expect(() => new Batcher(data, opts, { ...state, batch: 99 })).toThrow('resume state points at batch 99 of an epoch of 26');
  });
});

describe('StreamBatcher', () => {
  const lines = Array.from({ length: 300 }, (_, i) => (i % 11 === 0 ? '' : `${'字'.repeat((i * 31) % 40)}${i}`));
  const file = writeTemp('corpus.txt', lines.join('\n') + '\n');
  const corpus = () => new Corpus(file, { format: 'sentences', maxSeqLength: 32, toIds: (t) => fakeTokenizer.toIds(t) });
  const sopts = { ...opts, maxSeqLength: 32, bucketBatches: 3, clsId: 1, sepId: 2 };
  const takeAsync = async (b: StreamBatcher, n: number) => {
    const out: Batch[] = [];
    for (let i = 0; i < n; i++) out.push(await b.next());
    return out;
  };

  it('is deterministic, [CLS]/[SEP]-wrapped, and covers the corpus once per epoch', async () => {
    const n = await corpus().count();
    const perEpoch = Math.ceil(n / 24) * 3; // upper bound on batches: chunks of 3 batches of 8
    const a = await takeAsync(new StreamBatcher(corpus(), sopts), perEpoch + 5);
    const b = await takeAsync(new StreamBatcher(corpus(), sopts), perEpoch + 5);
    expect(a).toEqual(b);
    expect(a.every((x) => x.inputIds[0] === 1 && x.seqLen <= 32)).toBe(true);
    let rowsSeen = 0;
    const s = new StreamBatcher(corpus(), sopts);
    for (;;) {
      const batch = await s.next();
      if (s.state.epoch > 0) break;
      rowsSeen += batch.batchSize;
    }
    expect(rowsSeen).toBe(n);
    await s.close();
  });

  it('resumes from a serialised state with identical batches, across chunks and epochs', async () => {
    for (const dynamicPadding of [true, false]) {
      const o = { ...sopts, dynamicPadding };
      const reference = await takeAsync(new StreamBatcher(corpus(), o), 60);
      for (const k of [0, 1, 2, 3, 4, 17, 40]) {
        const first = new StreamBatcher(corpus(), o);
        await takeAsync(first, k);
        const saved = streamBatcherStateSchema.parse(JSON.parse(JSON.stringify(first.state)));
        await first.close();
        const resumed = new StreamBatcher(corpus(), o, saved);
        expect(await takeAsync(resumed, 60 - k)).toEqual(reference.slice(k));
        await resumed.close();
      }
    }
  });

  it('rejects an empty corpus, naming the file', async () => {
    const empty = writeTemp('empty.txt', '\n\n');
    const b = new StreamBatcher(new Corpus(empty, { format: 'sentences', maxSeqLength: 8, toIds: () => [] }), { ...sopts, maxSeqLength: 8 });
    await expect(b.next()).rejects.toThrow(`${empty}: the corpus has no text`);
  });
});
