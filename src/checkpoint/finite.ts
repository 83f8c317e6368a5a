/**
 * NaN / Inf in weights. A run that diverged can save and export non-finite weights; a model built
 * on them still produces logits (all NaN), so argmax picks class 0 and a prediction, an accuracy
 * or a label looks plausible. Inference refuses such a model and `inspect` reports it.
 */
import { CheckpointError } from '../errors.js';

export interface NonFiniteTensor {
  name: string;
  /** Values of the tensor. */
  size: number;
  nan: number;
  inf: number;
}

/** Every tensor holding a NaN or ±Inf, in the order given, with its counts. */
export function nonFiniteTensors(tensors: Iterable<[string, { dataSync(): ArrayLike<number> } | ArrayLike<number>]>): NonFiniteTensor[] {
  const out: NonFiniteTensor[] = [];
  for (const [name, t] of tensors) {
    const data = 'dataSync' in t ? t.dataSync() : t;
    let nan = 0;
    let inf = 0;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v !== v) nan++;
      else if (v === Infinity || v === -Infinity) inf++;
    }
    if (nan + inf > 0) out.push({ name, size: data.length, nan, inf });
  }
  return out;
}

/** One line: the first bad tensor with its counts, and the totals when there are more. */
export function describeNonFinite(bad: readonly NonFiniteTensor[]): string {
  const counts = (t: { nan: number; inf: number }) => [t.nan && `${t.nan.toLocaleString('en-US')} NaN`, t.inf && `${t.inf.toLocaleString('en-US')} Inf`].filter(Boolean).join(' + ');
  const first = bad[0]!;
  let s = `${first.name} has ${counts(first)} of ${first.size.toLocaleString('en-US')} values`;
  if (bad.length > 1) {
    const total = bad.reduce((a, t) => ({ nan: a.nan + t.nan, inf: a.inf + t.inf }), { nan: 0, inf: 0 });
    s += ` (${bad.length} tensors, ${counts(total)} in all)`;
  }
  return s;
}

/** Throws a CheckpointError naming the first non-finite tensor of `dir`'s weights. */
export function assertFiniteWeights(dir: string, tensors: Iterable<[string, { dataSync(): ArrayLike<number> }]>): void {
  const bad = nonFiniteTensors(tensors);
  if (bad.length) {
    throw new CheckpointError(`${dir}: weights are not finite: ${describeNonFinite(bad)}; its outputs would be meaningless (did training diverge?)`);
  }
}
