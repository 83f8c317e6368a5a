/**
 * Tiny models for the augmentation tests: a masked-LM model and a classifier over the 30-token
 * Chinese vocabulary of test/export/tiny.ts, written as model directories, and small data files.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModelDir } from '../../src/checkpoint/create.js';
import { TINY_CONFIG, TINY_VOCAB, writeVocab } from '../export/tiny.js';

export const tempDir = () => mkdtempSync(join(tmpdir(), 'tb-augment-'));

async function modelDir(dir: string, name: string, extra: Record<string, unknown>, seed: number): Promise<string> {
  const vocab = writeVocab(join(dir, `${name}-vocab`));
  const config = join(dir, `${name}.json`);
  const { id2label: _drop, architectures: _arch, ...base } = TINY_CONFIG as Record<string, unknown>;
  writeFileSync(config, JSON.stringify({ ...base, max_position_embeddings: 160, ...extra }));
  const out = join(dir, name);
  await createModelDir({ config, vocab, out, seed });
  return out;
}

/** A random masked-LM model (head `mlm`): its candidates are noise, but deterministic. */
export function tinyMlm(dir: string, seed = 3): Promise<string> {
  return modelDir(dir, 'mlm', { architectures: ['BertForMaskedLM'] }, seed);
}

/** A random two-class classifier (negative / positive) for the label guard. */
export function tinyClassifier(dir: string, seed = 5): Promise<string> {
  return modelDir(dir, 'clf', { id2label: { 0: 'negative', 1: 'positive' }, architectures: ['BertForSequenceClassification'] }, seed);
}

/** Sentences over the tiny vocabulary. */
export const SENTENCES = ['我喜欢这部电影', '这本书很好', '电影太差了', '一般般还行', '我不喜欢这本书', '这部电影很棒!', '书还行。', '很不好'];

/** A tsv with a header: label, text_a; `n` rows cycling through SENTENCES. */
export function writeTsv(dir: string, n: number, name = 'train.tsv'): string {
  const rows = Array.from({ length: n }, (_, i) => `${i % 2 === 0 ? 'positive' : 'negative'}\t${SENTENCES[i % SENTENCES.length]}`);
  const path = join(dir, name);
  writeFileSync(path, `label\ttext_a\n${rows.join('\n')}\n`);
  return path;
}

export { TINY_VOCAB };
