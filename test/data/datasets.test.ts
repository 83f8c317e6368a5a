/** The readers on every classification set of ../shared/data (skipped on a fresh clone). */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readExamples, toFeatures, type Example } from '../../src/data/index.js';
import { BertTokenizer } from '../../src/tokenizer/index.js';
import { DATA, describeData } from '../helpers/shared.js';
import { task } from './helpers.js';

const binary = ['0', '1'];
const nli = ['entailment', 'neutral', 'contradiction'];

function counts(examples: Example[], k: number): number[] {
  const out = new Array<number>(k).fill(0);
  for (const e of examples) out[e.label]++;
  return out;
}

describeData('classification readers on ../shared/data', () => {
  const sets: [string, string, Record<string, unknown>, number, number][] = [
    ['chnsenticorp train (tsv, header)', 'chnsenticorp/train.tsv', { type: 'single', header: true, labels: binary }, 9600, 2],
    ['chnsenticorp dev', 'chnsenticorp/dev.tsv', { type: 'single', header: true, labels: binary }, 1200, 2],
    ['afqmc train (headerless pair)', 'afqmc/train.txt', { type: 'pair', labels: binary }, 34334, 2],
    ['afqmc dev', 'afqmc/dev.txt', { type: 'pair', labels: binary }, 4316, 2],
    ['lcqmc dev', 'lcqmc/dev.txt', { type: 'pair', labels: binary }, 8802, 2],
    ['cmnli dev (text labels)', 'cmnli/dev.txt', { type: 'pair', labels: nli }, 12241, 3],
    ['xnli_zh dev (header, text labels)', 'xnli_zh/dev.tsv', { type: 'pair', header: true, labels: nli }, 2490, 3],
    ['ocnli dev (jsonl, "-" skipped)', 'ocnli/dev.json', { type: 'pair', labels: nli, skip_labels: ['-'], columns: { text_a: 'sentence1', text_b: 'sentence2' } }, 2950, 3],
    ['ocnli train.3k', 'ocnli/train.3k.json', { type: 'pair', labels: nli, skip_labels: ['-'], columns: { text_a: 'sentence1', text_b: 'sentence2' } }, 2994, 3],
    ['ocnli train.10k', 'ocnli/train.10k.json', { type: 'pair', labels: nli, skip_labels: ['-'], columns: { text_a: 'sentence1', text_b: 'sentence2' } }, 9985, 3],
  ];

  it.each(sets)('%s', (_, rel, fields, n, k) => {
    const file = join(DATA, rel);
    const ex = readExamples(file, task({ ...fields, train: file }));
    expect(ex).toHaveLength(n);
    // Every class occurs, and pair sets have a second text on every example.
    expect(counts(ex, k).every((c) => c > 0)).toBe(true);
    expect(ex.every((e) => e.textA.length > 0)).toBe(true);
    if (fields.type === 'pair') expect(ex.every((e) => typeof e.textB === 'string')).toBe(true);
    expect(ex[0].source).toBe(`${file}:${fields.header ? 2 : 1}`);
  });

  it('chnsenticorp dev through the real tokenizer: [CLS] ... [SEP], at most max_seq_length', () => {
    const tok = BertTokenizer.fromVocabFile(join(DATA, 'vocab', 'zh_vocab_21128.txt'));
    const file = join(DATA, 'chnsenticorp/dev.tsv');
    const ex = readExamples(file, task({ type: 'single', header: true, labels: binary, train: file }));
    const features = toFeatures(ex.slice(0, 200), tok, 128);
    expect(features.every((f) => f.inputIds.length <= 128 && f.inputIds[0] === tok.clsId && f.inputIds.at(-1) === tok.sepId)).toBe(true);
    expect(features.some((f) => f.inputIds.length === 128)).toBe(true);
    expect(features.some((f) => f.inputIds.length < 64)).toBe(true);
    expect(features.map((f) => f.label)).toEqual(ex.slice(0, 200).map((e) => e.label));
  });
});
