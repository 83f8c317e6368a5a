import { describe, expect, it } from 'vitest';
import { accuracy, allMetrics, argmaxRows, computeMetric, f1, macroF1, mcc, pearson, ranks, spearman } from '../../src/data/index.js';
import { ShapeError } from '../../src/errors.js';
import { expectClose } from '../helpers/close.js';

// Hand-computed example: preds vs labels over 8 binary examples.
// tp = 3 (idx 0,1,2), fp = 1 (idx 3), fn = 2 (idx 4,5), tn = 2 (idx 6,7).
const preds = [1, 1, 1, 1, 0, 0, 0, 0];
const labels = [1, 1, 1, 0, 1, 1, 0, 0];

describe('classification metrics', () => {
  it('accuracy = (tp + tn) / n', () => {
    expect(accuracy(preds, labels)).toBe(5 / 8);
  });

  it('binary F1 = 2tp / (2tp + fp + fn), of class 1 by default', () => {
    expect(f1(preds, labels)).toBe(6 / 9);
    // class 0: tp 2, fp 2, fn 1
    expect(f1(preds, labels, 0)).toBe(4 / 7);
  });

  it('F1 is 0 when a class is never predicted nor present', () => {
    expect(f1([0, 0], [0, 0])).toBe(0);
  });

  it('macro F1 averages per-class F1 over the classes seen', () => {
    expect(macroF1(preds, labels)).toBeCloseTo((6 / 9 + 4 / 7) / 2, 12);
    // 3 classes: class 0 F1 1, class 1: tp1 fp1 fn0 -> 2/3, class 2: tp0 fp0 fn1 -> 0
    expect(macroF1([0, 1, 1], [0, 1, 2])).toBeCloseTo((1 + 2 / 3 + 0) / 3, 12);
  });

  it('MCC = (tp·tn − fp·fn) / sqrt((tp+fp)(tp+fn)(tn+fp)(tn+fn)) for two classes', () => {
    expect(mcc(preds, labels)).toBeCloseTo((3 * 2 - 1 * 2) / Math.sqrt(4 * 5 * 3 * 4), 12);
    expect(mcc([1, 0, 1], [1, 0, 1])).toBeCloseTo(1, 12);
    expect(mcc([0, 1, 0], [1, 0, 1])).toBeCloseTo(-1, 12);
  });

  it('MCC is 0 when every prediction is one class (empty denominator)', () => {
    expect(mcc([1, 1, 1], [0, 1, 0])).toBe(0);
  });

  it('multi-class MCC (Gorodkin R_K) on a hand-computed 3-class case', () => {
    // correct c = 3 (rows 0, 1, 3), s = 4, predicted p = (1,2,1), true t = (1,1,2):
    // sum p·t = 1+2+2 = 5, sum p² = 6, sum t² = 6 -> (3·4 − 5) / sqrt((16 − 6)(16 − 6)) = 7 / 10
    expect(mcc([0, 1, 1, 2], [0, 1, 2, 2])).toBeCloseTo(0.7, 12);
  });

  it('argmaxRows picks the first maximum of each row', () => {
    expect(Array.from(argmaxRows([0.1, 0.9, 0.5, 0.5, 2, -1], 2))).toEqual([1, 0, 0]);
    expect(() => argmaxRows([1, 2, 3], 2)).toThrow(ShapeError);
  });
});

describe('correlation metrics', () => {
  it('Pearson on a hand-computed case', () => {
    // x = 1..4, y = (2, 4, 5, 9): mean 5, dx = (-1.5,-.5,.5,1.5), dy = (-3,-1,0,4)
    // sxy = 4.5+0.5+0+6 = 11, sxx = 5, syy = 26
    expectClose([pearson([1, 2, 3, 4], [2, 4, 5, 9])], [11 / Math.sqrt(5 * 26)], { atol: 1e-12 });
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
  });

  it('Pearson is NaN for a constant input', () => {
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  it('ranks share the mean rank among ties', () => {
    expect(Array.from(ranks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
  });

  it('Spearman is Pearson of ranks: 1 for any monotone relation, with ties handled', () => {
    expect(spearman([1, 2, 3, 4], [1, 8, 27, 64])).toBeCloseTo(1, 12);
    // ranks x = (1,2,3,4), ranks y = (1, 2.5, 2.5, 4); deviations from 2.5: (-1.5,-.5,.5,1.5) and
    // (-1.5,0,0,1.5): sxy = 4.5, sxx = 5, syy = 4.5
    const rx = [1, 2, 3, 4];
    const ry = [1, 2.5, 2.5, 4];
    expect(spearman([1, 2, 3, 4], [0, 5, 5, 9])).toBeCloseTo(pearson(rx, ry), 12);
    expect(spearman([1, 2, 3, 4], [0, 5, 5, 9])).toBeCloseTo(4.5 / Math.sqrt(5 * 4.5), 12);
  });
});

describe('computeMetric / allMetrics', () => {
  it('dispatches by name and lists the metrics of a task kind', () => {
    expect(computeMetric('accuracy', preds, labels)).toBe(5 / 8);
    expect(computeMetric('f1', preds, labels)).toBe(6 / 9);
    expect(computeMetric('spearman', [1, 2, 3], [1, 2, 3])).toBeCloseTo(1, 12);
    expect(Object.keys(allMetrics(false, 2, preds, labels))).toEqual(['accuracy', 'f1', 'f1_macro', 'mcc']);
    expect(Object.keys(allMetrics(true, 1, [1, 2, 3], [2, 1, 3]))).toEqual(['pearson', 'spearman']);
  });

  it('reports no binary f1 for more than two classes, only f1_macro', () => {
    const m = allMetrics(false, 3, [0, 1, 2, 2], [0, 2, 2, 1]);
    expect(Object.keys(m)).toEqual(['accuracy', 'f1_macro', 'mcc']);
    expect(m.f1_macro).toBeCloseTo((1 + 0 + 0.5) / 3, 12);
  });

  it('rejects mismatched lengths and empty inputs, naming the metric', () => {
    expect(() => accuracy([1], [1, 0])).toThrow(new ShapeError('accuracy: 1 predictions but 2 labels'));
    expect(() => pearson([], [])).toThrow(new ShapeError('pearson: no examples'));
  });
});
