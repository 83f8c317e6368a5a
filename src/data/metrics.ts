/**
 * Evaluation metrics as pure functions over plain arrays. Classification metrics take predicted and
 * gold class indices; correlation metrics take predicted and gold scores. Degenerate cases follow
 * scikit-learn / SciPy: F1 and MCC with an empty denominator are 0, correlations with a constant
 * input are NaN.
 */
import { z } from 'zod';
import { ShapeError } from '../errors.js';

export const metricNameSchema = z
  .enum(['accuracy', 'f1', 'f1_macro', 'mcc', 'pearson', 'spearman'])
  .describe(
    'accuracy; f1 = binary F1 of class 1; f1_macro = unweighted mean of per-class F1; mcc = Matthews ' +
      'correlation (multi-class R_K); pearson / spearman for regression tasks',
  );
export type MetricName = z.infer<typeof metricNameSchema>;

/** Metrics that compare class indices; the others compare real-valued scores. */
export const CLASSIFICATION_METRICS: readonly MetricName[] = ['accuracy', 'f1', 'f1_macro', 'mcc'];

/** Metrics that compare real-valued scores (regression tasks). */
export const REGRESSION_METRICS: readonly MetricName[] = ['pearson', 'spearman'];

type Values = ArrayLike<number>;

function checkPair(what: string, a: Values, b: Values): void {
  if (a.length !== b.length) {
    throw new ShapeError(`${what}: ${a.length} predictions but ${b.length} labels`);
  }
  if (a.length === 0) throw new ShapeError(`${what}: no examples`);
}

export function accuracy(preds: Values, labels: Values): number {
  checkPair('accuracy', preds, labels);
  let right = 0;
  for (let i = 0; i < preds.length; i++) if (preds[i] === labels[i]) right++;
  return right / preds.length;
}

/** F1 of one class against all others: 2·tp / (2·tp + fp + fn). */
export function f1(preds: Values, labels: Values, positive = 1): number {
  checkPair('f1', preds, labels);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < preds.length; i++) {
    const p = preds[i] === positive;
    const g = labels[i] === positive;
    if (p && g) tp++;
    else if (p) fp++;
    else if (g) fn++;
  }
  const denom = 2 * tp + fp + fn;
  return denom === 0 ? 0 : (2 * tp) / denom;
}

/** Unweighted mean of per-class F1 over every class seen in labels or predictions. */
export function macroF1(preds: Values, labels: Values): number {
  checkPair('f1_macro', preds, labels);
  const classes = new Set<number>([...Array.from(labels), ...Array.from(preds)]);
  let sum = 0;
  for (const c of classes) sum += f1(preds, labels, c);
  return sum / classes.size;
}

/**
 * Matthews correlation in Gorodkin's multi-class form (equal to the binary formula for two classes):
 * (c·s − Σ p_k t_k) / sqrt((s² − Σ p_k²)(s² − Σ t_k²)), c = correct, s = total,
 * p_k / t_k = times class k was predicted / is true.
 */
export function mcc(preds: Values, labels: Values): number {
  checkPair('mcc', preds, labels);
  const predicted = new Map<number, number>();
  const truth = new Map<number, number>();
  let correct = 0;
  for (let i = 0; i < preds.length; i++) {
    predicted.set(preds[i], (predicted.get(preds[i]) ?? 0) + 1);
    truth.set(labels[i], (truth.get(labels[i]) ?? 0) + 1);
    if (preds[i] === labels[i]) correct++;
  }
  const s = preds.length;
  let pt = 0;
  for (const [k, p] of predicted) pt += p * (truth.get(k) ?? 0);
  let pp = 0;
  for (const p of predicted.values()) pp += p * p;
  let tt = 0;
  for (const t of truth.values()) tt += t * t;
  const denom = Math.sqrt((s * s - pp) * (s * s - tt));
  return denom === 0 ? 0 : (correct * s - pt) / denom;
}

export function pearson(x: Values, y: Values): number {
  checkPair('pearson', x, y);
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** 1-based ranks; tied values share the mean of their ranks (SciPy's `rankdata` 'average'). */
export function ranks(values: Values): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const out = new Float64Array(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
    const mean = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]] = mean;
    i = j + 1;
  }
  return out;
}

/** Pearson correlation of the ranks. */
export function spearman(x: Values, y: Values): number {
  checkPair('spearman', x, y);
  return pearson(ranks(x), ranks(y));
}

/** Row-wise argmax of [N, K] logits stored flat. */
export function argmaxRows(logits: Values, numClasses: number): Int32Array {
  if (numClasses <= 0 || logits.length % numClasses !== 0) {
    throw new ShapeError(`argmaxRows: ${logits.length} logits do not split into rows of ${numClasses}`);
  }
  const rows = logits.length / numClasses;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let k = 1; k < numClasses; k++) {
      if (logits[r * numClasses + k] > logits[r * numClasses + best]) best = k;
    }
    out[r] = best;
  }
  return out;
}

/** One named metric: class indices for classification metrics, scores for correlations. */
export function computeMetric(name: MetricName, preds: Values, labels: Values): number {
  switch (name) {
    case 'accuracy':
      return accuracy(preds, labels);
    case 'f1':
      return f1(preds, labels, 1);
    case 'f1_macro':
      return macroF1(preds, labels);
    case 'mcc':
      return mcc(preds, labels);
    case 'pearson':
      return pearson(preds, labels);
    case 'spearman':
      return spearman(preds, labels);
  }
}

/**
 * The metrics that mean something for a task: correlations for regression; for classification
 * accuracy, F1 and MCC, where the binary F1 of class 1 only exists with two classes (with more it
 * would score one class as if it were "the positive one"), so more classes get the macro F1 alone.
 */
export function applicableMetrics(regression: boolean, classes: number): MetricName[] {
  if (regression) return [...REGRESSION_METRICS];
  return CLASSIFICATION_METRICS.filter((n) => n !== 'f1' || classes === 2);
}

/** Every metric that applies to the task, for eval logs and the summary table. */
export function allMetrics(regression: boolean, classes: number, preds: Values, labels: Values): Partial<Record<MetricName, number>> {
  return Object.fromEntries(applicableMetrics(regression, classes).map((n) => [n, computeMetric(n, preds, labels)]));
}
