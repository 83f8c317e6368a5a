import { describe, expect, it } from 'vitest';
import { Corpus, StreamBatcher, type CorpusPosition, type CorpusSequence, type WordPieces } from '../../src/data/index.js';
import { fakeTokenizer, writeTemp } from './helpers.js';

async function all<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

const toIds = (t: string) => fakeTokenizer.toIds(t);
/** One piece per letter; a word begins at each capital letter, so every flag can be checked against its own id. */
const wordPieces = (t: string): WordPieces => {
  const chars = [...t.replace(/\s/g, '')];
  return { ids: toIds(t), wordStarts: chars.map((c) => (c >= 'A' && c <= 'Z' ? 1 : 0)) };
};
const isStart = (id: number) => {
  const c = String.fromCodePoint(id - 10);
  return c >= 'A' && c <= 'Z' ? 1 : 0;
};

// Words of 1-5 letters, lines of 0-30 words (blank lines end documents), some longer than the room.
function text(): string {
  const lines: string[] = [];
  for (let i = 0; i < 150; i++) {
    const words = Array.from({ length: (i * 7) % 31 }, (_, w) => 'X' + 'abcd'.slice(0, (i + w) % 5));
    lines.push(i % 13 === 0 ? '' : words.join(''));
  }
  return lines.join('\n');
}

describe('corpus word boundaries (whole-word and span masking)', () => {
  const file = writeTemp('w.txt', text());

  it('carries each piece\'s word start with it through packing, cuts and resumes', async () => {
    for (const format of ['sentences', 'documents'] as const) {
      const plain = await all(new Corpus(file, { format, maxSeqLength: 20, toIds }).sequences());
      const corpus = new Corpus(file, { format, maxSeqLength: 20, toIds, wordPieces });
      const seqs = await all(corpus.sequences());
      expect(seqs.map((s) => s.ids)).toEqual(plain.map((s) => s.ids));
      expect(seqs.map((s) => s.next)).toEqual(plain.map((s) => s.next));
      expect(plain.every((s) => s.wordStarts === undefined)).toBe(true);
      for (const s of seqs) expect(s.wordStarts, s.source).toEqual(s.ids.map(isStart));
      // A cut inside a word starts the next sequence with a 0.
      expect(seqs.some((s) => s.wordStarts![0] === 0)).toBe(true);
      for (let k = 0; k < seqs.length; k += 5) {
        const rest: CorpusSequence[] = await all(corpus.sequences(JSON.parse(JSON.stringify(seqs[k].next)) as CorpusPosition));
        expect(rest).toEqual(seqs.slice(k + 1));
      }
      expect(await corpus.count()).toBe(seqs.length);
    }
  });

  it('counts sequences without calling the segmenter', async () => {
    let calls = 0;
    const counting = (t: string) => (calls++, wordPieces(t));
    const n = await new Corpus(file, { format: 'sentences', maxSeqLength: 20, toIds, wordPieces: counting }).count();
    expect(n).toBeGreaterThan(50);
    expect(calls).toBe(0);
  });

  it('batches hold word starts aligned with the ids, [CLS] and [SEP] starting words', async () => {
    const corpus = new Corpus(file, { format: 'sentences', maxSeqLength: 20, toIds, wordPieces });
    const batcher = new StreamBatcher(corpus, { batchSize: 8, maxSeqLength: 20, seed: 1, clsId: 1, sepId: 2 });
    for (let n = 0; n < 10; n++) {
      const b = await batcher.next();
      expect(b.wordStarts).toBeInstanceOf(Uint8Array);
      for (let i = 0; i < b.inputIds.length; i++) {
        const id = b.inputIds[i];
        if (!b.attentionMask[i]) expect(b.wordStarts![i]).toBe(0);
        else if (id === 1 || id === 2) expect(b.wordStarts![i]).toBe(1);
        else if (i % b.seqLen !== 1) expect(b.wordStarts![i], `position ${i}`).toBe(isStart(id));
      }
    }
    await batcher.close();
    const plain = new StreamBatcher(new Corpus(file, { format: 'sentences', maxSeqLength: 20, toIds }), { batchSize: 8, maxSeqLength: 20, seed: 1, clsId: 1, sepId: 2 });
    expect((await plain.next()).wordStarts).toBeUndefined();
    await plain.close();
  });
});
