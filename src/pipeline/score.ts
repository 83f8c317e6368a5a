/** Dev-set evaluation of a classification (or regression) model: every applicable metric. */
import { tf } from '../backend/tf.js';
import { allMetrics, argmaxRows, type MetricName } from '../data/metrics.js';
import type { BertModel } from '../model/bert.js';
import { batchTensors, type BatchSource } from './batches.js';

export type Scores = Partial<Record<MetricName, number>> & { examples?: number };

export async function scoreModel(model: BertModel, source: BatchSource, regression: boolean): Promise<Scores> {
  const preds: number[] = [];
  const labels: number[] = [];
  const K = model.config.numLabels;
  for (let i = 0; i < source.batchesPerEpoch; i++) {
    const host = await source.next();
    const logits = tf.tidy(() => {
      const out = model.forward(batchTensors(host), { training: false });
      return out.logits!;
    });
    const values = await logits.data();
    logits.dispose();
    if (regression) preds.push(...Array.from(values));
    else preds.push(...Array.from(argmaxRows(values, K)));
    labels.push(...Array.from(host.labels ?? []));
  }
  return { ...allMetrics(regression, K, preds, labels), examples: labels.length };
}
