/**
 * Sequence classification (single sentence, sentence pair) and regression as a TaskModule: the
 * readers, batching and metrics of src/data behind the interface the stage runner, eval, predict
 * and the browser loader use (the inference part, browser-safe, is inference.ts). The numbers are
 * today's: the reference's [CLS] classifier, its cross-entropy (MSE for regression) and its soft
 * cross-entropy at the stage temperature.
 */
import { readTaskSplit, recipeNames, type Example } from '../../data/classification.js';
import { dataFormatSchema } from '../../data/format.js';
import type { Feature } from '../../data/features.js';
import { allMetrics, CLASSIFICATION_METRICS, REGRESSION_METRICS } from '../../data/metrics.js';
import { hardLabelLoss, softCrossEntropy, type OutputMode } from '../../distill/losses.js';
import type { TaskModule } from '../task-module.js';
import { classificationFileConfig, readClassificationInputs } from './files.js';
import { classificationInference, type ClassificationOutput } from './inference.js';
import { classificationTaskSchema, type ClassificationTask } from './task.js';

export { hostBatchTensors, type ClassificationOutput } from './inference.js';

const outputMode = (c: ClassificationTask): OutputMode => (c.type === 'regression' ? 'regression' : 'classification');

export const classification: TaskModule<ClassificationTask, Example, Feature, ClassificationOutput> = {
  ...classificationInference,
  types: ['single', 'pair', 'regression'],
  schema: classificationTaskSchema,
  formats: dataFormatSchema.options,

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
  // The schema requires labels for classification and forbids them for regression: nothing to collect.
  labelsFrom: () => [],

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
