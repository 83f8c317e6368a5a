import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Corpus, CORPUS_START, readLines, type CorpusPosition, type CorpusSequence } from '../../src/data/index.js';
import { DataError } from '../../src/errors.js';
import { BertTokenizer } from '../../src/tokenizer/index.js';
import { DATA, describeData } from '../helpers/shared.js';
import { fakeTokenizer, writeTemp } from './helpers.js';

async function all<T>(gen: AsyncIterable<T>, limit = Infinity): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) {
    out.push(x);
    if (out.length >= limit) break;
  }
  return out;
}

const toIds = (t: string) => fakeTokenizer.toIds(t);
const ids = (s: CorpusSequence[]) => s.map((x) => x.ids.map((i) => String.fromCodePoint(i - 10)).join(''));

describe('readLines', () => {
  it('gives exact byte offsets with multi-byte text, CRLF, a BOM and no final newline', async () => {
    const file = writeTemp('c.txt', '\uFEFF中文\r\nab\n\nlast');
    const lines = await all(readLines(file));
    expect(lines).toEqual([
      { text: '中文', offset: 0, end: 11, line: 1 },
      { text: 'ab', offset: 11, end: 14, line: 2 },
      { text: '', offset: 14, end: 15, line: 3 },
      { text: 'last', offset: 15, end: 19, line: 4 },
    ]);
    expect(await all(readLines(file, 11, 2))).toEqual(lines.slice(1));
  });

  it('splits lines across 64 KiB chunk boundaries', async () => {
    const text = Array.from({ length: 20000 }, (_, i) => `第${i}行`).join('\n') + '\n';
    const file = writeTemp('big.txt', text);
    const lines = await all(readLines(file));
    expect(lines).toHaveLength(20000);
    expect(lines[12345]).toMatchObject({ text: '第12345行', line: 12346 });
    expect(Buffer.byteLength(text.slice(0, text.indexOf('第12345行')))).toBe(lines[12345].offset);
  });

  it('names the file when it is missing', async () => {
    await expect(all(readLines('/no/such/corpus.txt'))).rejects.toThrow(new DataError('/no/such/corpus.txt: cannot read corpus (ENOENT)'));
  });
});

describe('Corpus.sequences', () => {
  it('packs sentences up to max_seq_length - 2 without crossing documents', async () => {
    const file = writeTemp('c.txt', 'abc\nde\nfghij\n\nxy\nz\n');
    const seqs = await all(new Corpus(file, { format: 'sentences', maxSeqLength: 7, toIds }).sequences());
    expect(ids(seqs)).toEqual(['abcde', 'fghij', 'xyz']);
    expect(seqs.map((s) => s.source)).toEqual([`${file}:1`, `${file}:3`, `${file}:5`]);
  });

  it('cuts a sentence longer than the room into full pieces and keeps packing after it', async () => {
    const file = writeTemp('c.txt', 'ab\nccccccccccccc\nd\n');
    const seqs = await all(new Corpus(file, { format: 'sentences', maxSeqLength: 7, toIds }).sequences());
    expect(ids(seqs)).toEqual(['ab', 'ccccc', 'ccccc', 'cccd']);
  });

  it('documents format: one document per line, each cut into pieces', async () => {
    const file = writeTemp('d.txt', 'abcdefg\nhi\n\njk');
    const seqs = await all(new Corpus(file, { format: 'documents', maxSeqLength: 6, toIds }).sequences());
    expect(ids(seqs)).toEqual(['abcd', 'efg', 'hi', 'jk']);
  });

  it('resuming from any sequence\'s position reproduces the rest exactly', async () => {
    // Mixed sentence lengths, document breaks, sentences longer than the room.
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) lines.push(i % 17 === 0 ? '' : 'x'.repeat((i * 7919) % 23) + `句${i}`);
    const file = writeTemp('c.txt', lines.join('\n'));
    for (const format of ['sentences', 'documents'] as const) {
      const corpus = new Corpus(file, { format, maxSeqLength: 12, toIds });
      const seqs = await all(corpus.sequences());
      expect(seqs.length).toBeGreaterThan(100);
      for (let k = 0; k < seqs.length; k += 7) {
        const rest = await all(corpus.sequences(JSON.parse(JSON.stringify(seqs[k].next)) as CorpusPosition));
        expect(rest).toEqual(seqs.slice(k + 1));
      }
      expect(await all(corpus.sequences(seqs.at(-1)!.next))).toEqual([]);
      expect(await corpus.count()).toBe(seqs.length);
    }
  });

  it('checks the file when a stage starts: missing, empty', async () => {
    await expect(new Corpus('/no/c.txt', { format: 'sentences', maxSeqLength: 8, toIds }).check()).rejects.toThrow('/no/c.txt: corpus file not found');
    const empty = writeTemp('e.txt', '');
    await expect(new Corpus(empty, { format: 'sentences', maxSeqLength: 8, toIds }).check()).rejects.toThrow(`${empty}: corpus file is empty`);
    expect(CORPUS_START).toEqual({ offset: 0, line: 1, skip: 0 });
  });
});

describeData('Corpus on ../shared/data/corpus with the real tokenizer', () => {
  it('streams zhwiki_bert_sampled and resumes mid-stream identically', async () => {
    const tok = BertTokenizer.fromVocabFile(join(DATA, 'vocab', 'zh_vocab_21128.txt'));
    const corpus = new Corpus(join(DATA, 'corpus', 'zhwiki_bert_sampled.txt'), {
      format: 'sentences',
      maxSeqLength: 128,
      toIds: (t) => tok.convertTokensToIds(tok.tokenize(t)),
    });
    const first = await all(corpus.sequences(), 300);
    expect(first.every((s) => s.ids.length > 0 && s.ids.length <= 126)).toBe(true);
    // Packing fills most sequences well beyond one sentence.
    expect(first.filter((s) => s.ids.length > 100).length).toBeGreaterThan(100);
    const resumed = await all(corpus.sequences(first[149].next), 150);
    expect(resumed).toEqual(first.slice(150));
  });
});
