/**
 * The one inference path of every task kind: features of every example → batched eval-mode
 * forward → per-window logits → the module's `decode`, then its `score`. Stage dev evaluation,
 * `tinybert eval`, `tinybert predict` and the browser loader all go through it, so a prediction is
 * the same wherever it is made. Browser-safe: nothing here reads files.
 *
 * Batches follow the examples' order, each padded to its longest feature; padding does not change
 * a position's logits (masked keys get exactly zero attention), so results equal fixed padding.
 */
import { tf, type Tensor } from '../backend/tf.js';
import { ShapeError } from '../errors.js';
import type { BertModel } from '../model/bert.js';
import type { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import type { AnyTaskInference, AnyTaskModule, Batch, FeatureBase } from './task-module.js';

/** A task ready to run: its module (or just its inference part), resolved config and label list, and the model's tokenizer. */
export interface TaskSetup<M extends AnyTaskInference = AnyTaskModule> {
  module: M;
  config: unknown;
  /** Label names in label-id order (empty for regression). */
  labels: readonly string[];
  tokenizer: BertTokenizer;
  /** Positions per feature including [CLS] and [SEP]. */
  maxSeqLength: number;
}

/** The features of each example (one array per example: its windows). */
export function featuresOf(task: TaskSetup<AnyTaskInference>, examples: readonly unknown[]): FeatureBase[][] {
  const ctx = { config: task.config, tokenizer: task.tokenizer, labels: task.labels, maxSeqLength: task.maxSeqLength };
  return examples.map((e) => task.module.features(e, ctx) as FeatureBase[]);
}

/** Logits of every feature in order, one flat row each ([K] or [T, K]), from eval-mode forwards. */
export function featureLogits(model: BertModel, features: readonly FeatureBase[], collate: (part: readonly FeatureBase[]) => Batch, batchSize: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let start = 0; start < features.length; start += batchSize) {
    const part = features.slice(start, start + batchSize);
    const batch = collate(part);
    const logits = tf.tidy(() => model.forward(batch, { training: false }).logits); // [B, K] or [B, T, K]
    tf.dispose(Object.values(batch).filter((t): t is Tensor => t !== undefined));
    if (!logits) throw new ShapeError(`the model has head "${model.config.head}", which gives no logits to decode`);
    const values = logits.dataSync() as Float32Array;
    logits.dispose();
    const row = values.length / part.length;
    for (let b = 0; b < part.length; b++) out.push(values.slice(b * row, (b + 1) * row));
  }
  return out;
}

/** The decoded output of every example. */
export function inferExamples(model: BertModel, task: TaskSetup<AnyTaskInference>, examples: readonly unknown[], batchSize: number): unknown[] {
  const perExample = featuresOf(task, examples);
  const collate = (part: readonly FeatureBase[]) => task.module.collate(part, { config: task.config, padId: task.tokenizer.padId });
  const logits = featureLogits(model, perExample.flat(), collate, batchSize);
  let next = 0;
  return examples.map((example, i) => {
    const features = perExample[i]!;
    const rows = logits.slice(next, next + features.length);
    next += features.length;
    return task.module.decode(example, features, rows, task.labels, task.config);
  });
}

/** Outputs and metrics of labelled examples; `examples` counts them. */
export function evaluateExamples(
  model: BertModel,
  task: TaskSetup,
  examples: readonly unknown[],
  batchSize: number,
): { outputs: unknown[]; scores: Record<string, number> } {
  const outputs = inferExamples(model, task, examples, batchSize);
  return { outputs, scores: { ...task.module.score(examples, outputs, task.labels, task.config), examples: examples.length } };
}
