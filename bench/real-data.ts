/**
 * Real-data throughput: AFQMC / ChnSentiCorp sentences tokenized by the toolkit's tokenizer,
 * batched by its Batcher with dynamic padding + length bucketing, against fixed 128-token padding
 * (the reference), each batch run through the same distillation step as the synthetic bench.
 */
import { readFileSync } from 'node:fs';
import { tf } from '../src/backend/tf.js';
import { Batcher, toFeatures, type Example, type Feature } from '../src/data/index.js';
import { BertTokenizer } from '../src/tokenizer/index.js';
import type { DistillBench, StepKind } from './distill-step.js';

/** Reads a tab-separated file of `text_a [text_b] label` rows (AFQMC: 3 columns, ChnSentiCorp: label first with header). */
export function readTsv(file: string, layout: 'afqmc' | 'chnsenticorp', limit: number): Example[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim().length > 0);
  const rows = layout === 'chnsenticorp' ? lines.slice(1) : lines;
  return rows.slice(0, limit).map((line, i) => {
    const cells = line.split('\t');
    return layout === 'afqmc'
      ? { textA: cells[0] ?? '', textB: cells[1] ?? '', label: Number(cells[2] ?? 0), source: `${file}:${i + 1}` }
      : { textA: cells[1] ?? '', label: Number(cells[0] ?? 0), source: `${file}:${i + 2}` };
  });
}

export function features(file: string, layout: 'afqmc' | 'chnsenticorp', vocabFile: string, limit = 4096): Feature[] {
  const tok = BertTokenizer.fromVocabFile(vocabFile);
  return toFeatures(readTsv(file, layout, limit), tok, 128);
}

export interface RealDataResult {
  padding: 'bucketed' | 'fixed-128';
  examples_per_second: number;
  steps: number;
  mean_batch_len: number;
  sec_per_step: number;
}

/** Times `steps` distillation steps on consecutive batches (after one warm-up batch). */
export function benchRealData(bench: DistillBench, feats: Feature[], kind: StepKind, dynamic: boolean, batchSize: number, steps: number): RealDataResult {
  const batcher = new Batcher(feats, { batchSize, maxSeqLength: 128, seed: 7, dynamicPadding: dynamic, dropLast: true });
  let examples = 0;
  let sec = 0;
  let lenSum = 0;
  for (let i = 0; i <= steps; i++) {
    const b = batcher.next();
    const batch = {
      inputIds: tf.tensor2d(b.inputIds, [b.batchSize, b.seqLen], 'int32'), // [B, T]
      tokenTypeIds: tf.tensor2d(b.tokenTypeIds, [b.batchSize, b.seqLen], 'int32'), // [B, T]
      attentionMask: tf.tensor2d(b.attentionMask, [b.batchSize, b.seqLen], 'int32'), // [B, T]
    };
    const t = bench.step(kind, batch);
    tf.dispose([batch.inputIds, batch.tokenTypeIds, batch.attentionMask]);
    if (i === 0) continue;
    examples += b.batchSize;
    sec += t.total;
    lenSum += b.seqLen;
  }
  return {
    padding: dynamic ? 'bucketed' : 'fixed-128',
    examples_per_second: examples / sec,
    steps,
    mean_batch_len: lenSum / steps,
    sec_per_step: sec / steps,
  };
}
