/**
 * Fuzz: the data readers on mutated valid files and random text: task files (tsv, csv, jsonl
 * through each task layout), plain-text corpora (streamed, also resumed at arbitrary positions)
 * and vocab.txt files. Each input loads or throws a TinybertError.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { readExamples } from '../../src/data/classification.js';
import { Corpus } from '../../src/data/corpus.js';
import { taskSchema } from '../../src/recipe/task.js';
import { BertTokenizer, Vocab } from '../../src/tokenizer/index.js';
import { TINY_VOCAB } from '../export/tiny.js';
import { fuzz, fuzzAsync, mutated, Tally, utf8 } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'tinybert-fuzz-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const task = (t: Record<string, unknown>) => taskSchema.parse({ train: 'x', labels: ['0', '1'], ...t });
const TASKS = [
  { file: 'single.tsv', task: task({ type: 'single', format: 'tsv' }), text: '好电影\t1\n太差了\t0\n一般\t1\n' },
  { file: 'pair.tsv', task: task({ type: 'pair', format: 'tsv', header: true, columns: { text_a: 's1', text_b: 's2', label: 'y' } }),
    text: 's1\ts2\ty\n我喜欢\t这部\t1\n不\t行\t0\n' },
  { file: 'pair.csv', task: task({ type: 'pair', format: 'csv', header: true, skip_labels: ['-'], label_aliases: { yes: '1' } }),
    text: 'text_a,text_b,label\n"很,好","还""行""",yes\r\n差,不,0\n棒,了,-\n' },
  { file: 'reg.csv', task: task({ type: 'regression', format: 'csv', labels: undefined }), text: '好,书,0.5\n坏,书,-1e3\n' },
  { file: 'pair.jsonl', task: task({ type: 'pair', format: 'jsonl', columns: { text_a: 'sentence1', text_b: 'sentence2' } }),
    text: '{"sentence1": "好", "sentence2": "书", "label": "1"}\n\n{"sentence1": "坏", "sentence2": 3, "label": 0}\n' },
  { file: 'array.jsonl', task: task({ type: 'single', format: 'jsonl' }), text: '[{"text_a": "好", "label": "1"}, {"text_a": "坏", "label": "0"}]' },
];

describe('fuzz: task files (tsv, csv, jsonl)', () => {
  it('mutated and random task files load or throw DataError', () => {
    const arb = fc.nat(TASKS.length - 1).chain((i) =>
      fc.oneof(mutated(utf8(TASKS[i]!.text)), fc.string({ unit: 'binary', maxLength: 120 }).map(utf8)).map((bytes) => ({ i, bytes })));
    fuzz(new Tally('task files'), arb, 2000, ({ i, bytes }) => {
      const { file, task: t } = TASKS[i]!;
      const path = join(dir, file);
      writeFileSync(path, bytes);
      return readExamples(path, t);
    }, ({ i, bytes }) => `${TASKS[i]!.file}: ${JSON.stringify(new TextDecoder().decode(bytes))}`);
  });
});

describe('fuzz: corpora', () => {
  const tokenizer = new BertTokenizer(Vocab.fromTokens(TINY_VOCAB));
  const toIds = (text: string) => tokenizer.tokenize(text).map((t) => tokenizer.vocab.id(t) ?? 1);
  const valid = utf8('我喜欢这本书。\n这部电影很好!\n\n一般般。\r\n还行\n\n\n太差了\n');

  it('mutated and random corpora, read whole or resumed at any position, load or throw DataError', async () => {
    const arb = fc.record({
      bytes: fc.oneof(mutated(valid), fc.uint8Array({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 200 }).map(utf8)),
      format: fc.constantFrom('sentences' as const, 'documents' as const),
      maxSeqLength: fc.constantFrom(3, 4, 8, 128),
      from: fc.option(fc.record({ offset: fc.nat(400), line: fc.integer({ min: 1, max: 50 }), skip: fc.nat(40) })),
    });
    await fuzzAsync(new Tally('corpora'), arb, 800, async ({ bytes, format, maxSeqLength, from }) => {
      const path = join(dir, 'corpus.txt');
      writeFileSync(path, bytes);
      const corpus = new Corpus(path, { format, maxSeqLength, toIds });
      await corpus.check();
      let n = 0;
      for await (const s of corpus.sequences(from ?? undefined)) {
        if (s.ids.length > maxSeqLength - 2) throw new Error(`sequence of ${s.ids.length} pieces exceeds ${maxSeqLength - 2}`);
        if (++n > 10_000) throw new Error('corpus does not end');
      }
    });
  });
});

describe('fuzz: vocab.txt', () => {
  const valid = utf8(`${TINY_VOCAB.join('\n')}\n`);

  it('mutated and random vocab files load (and tokenize) or throw DataError', () => {
    const arb = fc.oneof(mutated(valid), fc.uint8Array({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 }).map(utf8));
    fuzz(new Tally('vocab files'), arb, 1200, (bytes) => {
      const path = join(dir, 'vocab.txt');
      writeFileSync(path, bytes);
      BertTokenizer.fromVocabFile(path).tokenize('我喜欢这本书 [UNK] hello');
    });
  });
});
