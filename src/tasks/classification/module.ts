/**
 * Sequence classification (single sentence, sentence pair) and regression as a TaskModule: the
 * readers, features, batching and metrics of src/data behind the interface the stage runner, eval,
 * predict and the browser loader use. The numbers are today's: the reference's [CLS] classifier,
 * its cross-entropy (MSE for regression) and its soft cross-entropy at the stage temperature.
 *
 * An example has one feature (BERT truncates a long pair, as the reference does); the output of
 * an example is its most probable label with the probabilities, or the score of a regression.
 */
import { tf } from '../../backend/tf.js';
import { collate as padFeatures, type Batch as HostBatch } from '../../data/batcher.js';
import { readTaskSplit, recipeNames, type Example } from '../../data/classification.js';
import { dataFormatSchema } from '../../data/format.js';
import { toFeatures, type Feature } from '../../data/features.js';
import { allMetrics, argmaxRows, CLASSIFICATION_METRICS, REGRESSION_METRICS } from '../../data/metrics.js';
import { hardLabelLoss, softCrossEntropy, type OutputMode } from '../../distill/losses.js';
import { ShapeError } from '../../errors.js';
import type { Batch, TaskModule } from '../task-module.js';
import { classificationFileConfig, readClassificationInputs } from './files.js';
import { classificationTaskSchema, type ClassificationTask } from './task.js';

/** The prediction of one example: a class with its probability, or a regression score. */
export interface ClassificationOutput {
  /** Class id and name (classification only). */
  index?: number;
  label?: string;
  /** Probability of the predicted class, or the regression output. */
  score: number;
  probabilities?: Record<string, number>;
}

const outputMode = (c: ClassificationTask): OutputMode => (c.type === 'regression' ? 'regression' : 'classification');

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

export const classification: TaskModule<ClassificationTask, Example, Feature, ClassificationOutput> = {
  kind: 'classification',
  types: ['single', 'pair', 'regression'],
  schema: classificationTaskSchema,
  formats: dataFormatSchema.options,
  exportArchitecture: 'BertForSequenceClassification',
  modelHead: 'classification',

  labelsOf: (config) => (config.type === 'regression' ? [] : config.labels),
  metrics: (config) => (config.type === 'regression' ? REGRESSION_METRICS : CLASSIFICATION_METRICS),
  metricProblem(config, metric, taskName) {
    const regression = config.type === 'regression';
    if (!classification.metrics(config).includes(metric)) {
      return `${metric} does not apply to a ${config.type} task; use ${regression ? 'pearson or spearman' : 'accuracy, f1, f1_macro or mcc'}`;
    }
    const labels = config.labels?.length ?? 1;
    if (metric === 'f1' && labels > 2) return `f1 is binary but task "${taskName}" has ${labels} labels; use f1_macro`;
    return undefined;
  },

  read(file, config, { labelled, taskName, names }) {
    return readTaskSplit({ ...config, train: file }, 'train', { labelled, taskName, names: names ?? recipeNames(taskName) });
  },
  fileConfig: classificationFileConfig,
  readInputs: readClassificationInputs,
  predictionRecord: (example, output) => ({
    text_a: example.textA,
    ...(example.textB === undefined ? {} : { text_b: example.textB }),
    ...(output.label === undefined ? {} : { label: output.label }),
    score: output.score,
    ...(output.probabilities ? { probabilities: output.probabilities } : {}),
  }),
  // The schema requires labels for classification and forbids them for regression: nothing to collect.
  labelsFrom: () => [],

  features: (example, { tokenizer, maxSeqLength }) => toFeatures([example], tokenizer, maxSeqLength),
  collate: (features, { config, padId, seqLen }) =>
    hostBatchTensors(padFeatures(features, { seqLen, padId, labelType: config.type === 'regression' ? 'float' : 'int' })),

  head: (config, labels) => ({ head: 'classification', numLabels: config.type === 'regression' ? 1 : labels.length }),

  hardLoss: (logits, batch, config) =>
    hardLabelLoss(logits, batch.labels!, { semantics: 'reference', mask: batch.attentionMask, outputMode: outputMode(config) }), // logits [B, K]

  distillLoss: (student, teacher, batch, config, s) =>
    softCrossEntropy(student, teacher, {
      semantics: s.semantics,
      mask: batch.attentionMask,
      temperature: s.temperature,
      temperatureSquared: s.temperatureSquared,
      outputMode: outputMode(config),
    }), // [B, K] each

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

  score(examples, outputs, labels, config) {
    const regression = config.type === 'regression';
    const preds = outputs.map((o) => (regression ? o.score : o.index!));
    return allMetrics(regression, regression ? 1 : labels.length, preds, examples.map((e) => e.label)) as Record<string, number>;
  },

  predictionFile: (_examples, outputs) => `${outputs.map((o) => o.label ?? String(o.score)).join('\n')}\n`,

  confusion(examples, outputs, labels, config) {
    if (config.type === 'regression') return undefined;
    const m = labels.map(() => new Array<number>(labels.length).fill(0));
    examples.forEach((e, i) => m[e.label]![outputs[i]!.index!]!++);
    return m;
  },
};
