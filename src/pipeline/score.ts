/** Dev-set evaluation of a model on a task, through the task's module: every metric it reports. */
import type { BertModel } from '../model/bert.js';
import { evaluateExamples, type TaskSetup } from '../tasks/infer.js';

/** Metric name → value, and `examples`, the number of examples scored. */
export type Scores = Record<string, number>;

export function scoreModel(model: BertModel, task: TaskSetup, examples: readonly unknown[], batchSize: number): Scores {
  return evaluateExamples(model, task, examples, batchSize).scores;
}
