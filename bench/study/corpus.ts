/**
 * The study teacher's pre-training corpus: the general corpus in ../shared/data/corpus, the
 * in-domain reviews, and the unlabelled text of the four study tasks' training files (labels
 * dropped; dev files never read), written as one `sentences` corpus (one sentence per line, a blank
 * line between documents) in the study's run folder, never in the repository. Corpora are read in
 * file order and pre-training sees only a part of this one, so the documents are shuffled (seeded:
 * the file is byte-identical run to run) to mix every source into whatever part is read.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/data/rng.js';
import { isChineseChar } from '../../src/tokenizer/chars.js';
import { writeTextAtomic } from '../../src/util/fs.js';

/** Splits a document after 。！？!? and at line breaks; the pieces keep their punctuation. */
export function sentencesOf(text: string): string[] {
  return (text.match(/[^。！？!?\n]*(?:[。！？!?]+|\n|$)/g) ?? []).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** The documents of each source, in a fixed order so the corpus is byte-identical run to run. */
function* documents(data: string): Generator<string> {
  const lines = (file: string) => readFileSync(join(data, file), 'utf8').split('\n');
  // General corpora, already one sentence per line with blank lines between documents.
  for (const file of ['corpus/zhwiki_bert_sampled.txt', 'corpus/CLUECorpusSmall_bert_sampled.txt']) {
    for (const doc of readFileSync(join(data, file), 'utf8').split(/\n\s*\n/)) if (doc.trim()) yield doc;
  }
  for (const review of lines('reviews/reviews_corpus.txt')) if (review.trim()) yield review;
  for (const row of lines('chnsenticorp/train.tsv').slice(1)) {
    const text = row.split('\t')[1];
    if (text) yield text;
  }
  for (const row of lines('ocnli/train.10k.json')) {
    if (!row.trim()) continue;
    const { sentence1, sentence2 } = JSON.parse(row) as { sentence1: string; sentence2: string };
    yield `${sentence1}\n${sentence2}`;
  }
  for (const row of lines('ner_resume/train.json')) {
    if (row.trim()) yield (JSON.parse(row) as { text: string[] }).text.join('');
  }
  const cmrc = JSON.parse(readFileSync(join(data, 'cmrc2018/cmrc2018_train.json'), 'utf8')) as {
    data: { paragraphs: { context: string; qas: { question: string }[] }[] }[];
  };
  for (const article of cmrc.data) {
    for (const p of article.paragraphs) yield [p.context, ...p.qas.map((q) => q.question)].join('\n');
  }
}

/** Writes the corpus to `out` (atomically) unless it exists; returns its path. */
export function buildCorpus(data: string, out: string, seed = 1): string {
  if (existsSync(out)) return out;
  const docs = Rng.fromSeed(seed).shuffle([...documents(data)]);
  const text = docs.map((doc) => sentencesOf(doc)).filter((sentences) => sentences.length > 0).map((sentences) => `${sentences.join('\n')}\n\n`);
  writeTextAtomic(out, text.join(''));
  return out;
}

/** The k most frequent Chinese characters of a text, most frequent first (ties by code point). */
export function frequentChars(text: string, k: number): string[] {
  const counts = new Map<string, number>();
  for (const ch of text) if (isChineseChar(ch.codePointAt(0)!)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].codePointAt(0)! - b[0].codePointAt(0)!).slice(0, k).map(([ch]) => ch);
}
