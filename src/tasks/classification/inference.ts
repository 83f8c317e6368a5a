/**
 * The inference part of the classification module (browser-safe): one feature per example (BERT
 * truncates a long pair, as the reference does), the [CLS] classifier's logits, and the most
 * probable label with the probabilities, or the score of a regression.
 */
import { tf } from '../../backend/tf.js';
import type { Example } from '../../data/classification.js';
import { collate as padFeatures, type Batch as HostBatch } from '../../data/collate.js';
import { toFeatures, type Feature } from '../../data/features.js';
import { argmaxRows } from '../../data/metrics.js';
import { ShapeError } from '../../errors.js';
import type { Batch, TaskInference } from '../task-module.js';
import type { ClassificationTask } from './task.js';

/** The prediction of one example: a class with its probability, or a regression score. */
export interface ClassificationOutput {
  /** Class id and name (classification only). */
  index?: number;
  label?: string;
  /** Probability of the predicted class, or the regression output. */
  score: number;
  probabilities?: Record<string, number>;
}

/** The tensors of a padded host batch: [B, T] int32 inputs, labels [B] (float for regression). */
export function hostBatchTensors(b: HostBatch): Batch {
  const shape: [number, number] = [b.batchSize, b.seqLen];
  const batch: Batch = {
    inputIds: tf.tensor2d(b.inputIds, shape, 'int32'), // [B, T]
    tokenTypeIds: tf.tensor2d(b.tokenTypeIds, shape, 'int32'), // [B, T]
    attentionMask: tf.tensor2d(b.attentionMask, shape, 'int32'), // [B, T]
  };
  if (b.labels) batch.labels = tf.tensor1d(b.labels, b.labels instanceof Float32Array ? 'float32' : 'int32'); // [B]
  return batch;
}

/** Softmax in float64 with the max subtracted (no overflow for large logits). */
function softmax(row: ArrayLike<number>): number[] {
  const xs = Array.from(row);
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

export const classificationInference: TaskInference<ClassificationTask, Example, Feature, ClassificationOutput> = {
  kind: 'classification',
  modelHead: 'classification',
  exportArchitecture: 'BertForSequenceClassification',
  inferenceSettings: [],

  labelsOf: (config) => (config.type === 'regression' ? [] : config.labels),
  // Raw texts have no file: the columns are never read.
  textConfig: (maxSeqLength, model) => ({
    type: model.numLabels === 1 ? 'regression' : 'single',
    format: 'tsv',
    train: '',
    header: false,
    columns: { text_a: 0, label: 1 },
    labels: model.numLabels === 1 ? undefined : [...model.labels],
    skip_labels: [],
    label_aliases: {},
    max_seq_length: maxSeqLength,
  }),
  textExample: (input) => (typeof input === 'string' ? { textA: input, label: NaN, source: 'text' } : { textA: input[0], textB: input[1], label: NaN, source: 'text' }),

  features: (example, { tokenizer, maxSeqLength }) => toFeatures([example], tokenizer, maxSeqLength),
  collate: (features, { config, padId, seqLen }) =>
    hostBatchTensors(padFeatures(features, { seqLen, padId, labelType: config.type === 'regression' ? 'float' : 'int' })),
  head: (config, labels) => ({ head: 'classification', numLabels: config.type === 'regression' ? 1 : labels.length }),

  decode(_example, features, logits, labels, config) {
    if (logits.length !== 1 || features.length !== 1) {
      throw new ShapeError(`a classification example has one feature, got ${features.length} with ${logits.length} logit rows`);
    }
    const row = logits[0]!; // [K]
    if (config.type === 'regression') return { score: row[0]! };
    const index = argmaxRows(row, labels.length)[0]!;
    const probs = softmax(row);
    return { index, label: labels[index], score: probs[index]!, probabilities: Object.fromEntries(labels.map((l, k) => [l, probs[k]!])) };
  },
  predictionRecord: (example, output) => ({
    text_a: example.textA,
    ...(example.textB === undefined ? {} : { text_b: example.textB }),
    ...(output.label === undefined ? {} : { label: output.label }),
    score: output.score,
    ...(output.probabilities ? { probabilities: output.probabilities } : {}),
  }),
};
