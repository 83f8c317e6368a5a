import { describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import {
  LOSSES,
  attentionMse,
  hardLabelLoss,
  lossNameSchema,
  representationMse,
  softCrossEntropy,
  type PredictionOptions,
} from '../../src/distill/losses.js';
import { RecipeError, ShapeError } from '../../src/errors.js';
import { expectClose } from '../helpers/close.js';

const value = (t: tf.Scalar): number => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

function opts(semantics: 'reference' | 'masked', mask: number[][], extra: Partial<PredictionOptions> = {}): PredictionOptions {
  return { semantics, mask: tf.tensor2d(mask), temperature: 1, ...extra };
}

/** -sum_k softmax(t/T)_k log_softmax(s/T)_k in float64. */
function softCe(s: number[], t: number[], T: number): number[] {
  const lse = (x: number[]) => {
    const m = Math.max(...x);
    return m + Math.log(x.reduce((a, v) => a + Math.exp(v - m), 0));
  };
  const sT = s.map((v) => v / T);
  const tT = t.map((v) => v / T);
  const ls = lse(sT);
  const lt = lse(tT);
  return sT.map((v, k) => -Math.exp(tT[k]! - lt) * (v - ls));
}

describe('representationMse', () => {
  const s = tf.tensor3d([[[1, 2], [3, 4]]]); // [1, 2, 2]
  const t = tf.tensor3d([[[0, 2], [1, 1]]]);
  it('reference: mean over every element, padding included', () => {
    // squared diffs 1, 0, 4, 9 -> 14 / 4
    expect(value(representationMse(s, t, opts('reference', [[1, 0]])))).toBeCloseTo(3.5, 6);
  });
  it('masked positions: mean over real tokens x C only', () => {
    // only token 0: (1 + 0) / (1 * 2)
    expect(value(representationMse(s, t, opts('masked', [[1, 0]])))).toBeCloseTo(0.5, 6);
  });
  it('rejects mismatched shapes naming both', () => {
    expect(() => representationMse(s, tf.zeros([1, 2, 3]), opts('reference', [[1, 1]]))).toThrow(
      /hidden-state MSE: projected student state has shape \[1,2,2\] but teacher state has shape \[1,2,3\]/,
    );
  });
  it('rejects a mask of the wrong length (masked semantics)', () => {
    expect(() => representationMse(s, t, opts('masked', [[1, 1, 1]]))).toThrow(ShapeError);
  });
});

describe('attentionMse', () => {
  // B=1, H=1, T=3; key 2 is padding (scores ~ -10000); student has one -150 at a real key.
  const s = tf.tensor4d([[[[1, 2, -10000], [-150, 0, -10000.5], [1, 1, -10001]]]]);
  const t = tf.tensor4d([[[[0.5, 2, -9999], [3, 1, -10000], [0, 3, -10000]]]]);
  it('reference: entries <= -100 zeroed in BOTH maps, mean over all T x T incl. padded rows', () => {
    // s' = [1,2,0, 0,0,0, 1,1,0]; t' = [.5,2,0, 3,1,0, 0,3,0]
    // sq = .25,0,0, 9,1,0, 1,4,0 -> 15.25 / 9
    expect(value(attentionMse(s, t, opts('reference', [[1, 1, 0]])))).toBeCloseTo(15.25 / 9, 6);
  });
  it('masked positions: mean over real query x real key pairs only', () => {
    // real pairs (0,0) (0,1) (1,0) (1,1): .25 + 0 + (-150-3)^2 + 1 = 23410.25 over 4
    expect(value(attentionMse(s, t, opts('masked', [[1, 1, 0]])))).toBeCloseTo(23410.25 / 4, 2);
  });
  it('masked semantics divide by heads too', () => {
    const s2 = tf.concat([s, tf.zerosLike(s)], 1); // [1, 2, 3, 3]
    const t2 = tf.concat([t, tf.zerosLike(t)], 1);
    expect(value(attentionMse(s2, t2, opts('masked', [[1, 1, 0]])))).toBeCloseTo(23410.25 / 8, 2);
  });
  it('head-averaged [B, T, T] maps are accepted', () => {
    const s3 = tf.tensor3d([[[1, -10000], [2, -10000]]]);
    const t3 = tf.tensor3d([[[0, -10000], [0, -10000]]]);
    expect(value(attentionMse(s3, t3, opts('reference', [[1, 0]])))).toBeCloseTo(5 / 4, 6);
    expect(value(attentionMse(s3, t3, opts('masked', [[1, 0]])))).toBeCloseTo(1, 6);
  });
  it('masked semantics stay finite with -inf / finfo.min masks', () => {
    const a = tf.tensor4d([[[[1, -Infinity], [2, -3.4e38]]]]);
    const b = tf.tensor4d([[[[0, -3.4e38], [0, -Infinity]]]]);
    expect(value(attentionMse(a, b, opts('masked', [[1, 0]])))).toBeCloseTo(1, 6);
    expect(value(attentionMse(a, b, opts('reference', [[1, 0]])))).toBeCloseTo(5 / 4, 6); // padded query row counts
  });
  it('reference: no gradient flows into zeroed student entries', () => {
    const x = tf.tensor4d([[[[1, -10000], [-150, 2]]]]);
    const y = tf.tensor4d([[[[0, -10000], [0, 0]]]]);
    const g = tf.grad((a: tf.Tensor) => attentionMse(a, y, opts('reference', [[1, 1]])))(x);
    // d/ds mean((s-t)^2) = 2 (s - t) / 4 where kept
    expectClose(g.dataSync(), [0.5, 0, 0, 1], { atol: 1e-6 });
  });
  it('masked: gradient only at real pairs', () => {
    const x = tf.tensor4d([[[[1, -10000], [-150, 2]]]]);
    const y = tf.tensor4d([[[[0, -10000], [0, 0]]]]);
    const g = tf.grad((a: tf.Tensor) => attentionMse(a, y, opts('masked', [[1, 0]])))(x);
    expectClose(g.dataSync(), [2, 0, 0, 0], { atol: 1e-6 });
  });
  it('rejects rank-2 input', () => {
    expect(() => attentionMse(tf.zeros([2, 2]), tf.zeros([2, 2]), opts('reference', [[1, 1]]))).toThrow(/\[B, H, T, T\]/);
  });
});

describe('softCrossEntropy', () => {
  const sRows = [[1, 2, 3], [0.5, -1, 2]];
  const tRows = [[3, 2, 1], [0, 0, 1]];
  const s = tf.tensor2d(sRows);
  const t = tf.tensor2d(tRows);
  const mask = [[1, 1]]; // unused for [B, K] logits
  for (const T of [1, 2]) {
    it(`reference T=${T}: mean over batch x classes, no T^2`, () => {
      const all = sRows.flatMap((r, b) => softCe(r, tRows[b]!, T));
      const want = all.reduce((a, v) => a + v, 0) / all.length;
      expect(value(softCrossEntropy(s, t, opts('reference', mask, { temperature: T })))).toBeCloseTo(want, 6);
    });
  }
  it('masked T=2: summed over classes, averaged over batch, with optional T^2', () => {
    const per = sRows.map((r, b) => softCe(r, tRows[b]!, 2).reduce((a, v) => a + v, 0));
    const want = (per[0]! + per[1]!) / 2;
    expect(value(softCrossEntropy(s, t, opts('masked', mask, { temperature: 2 })))).toBeCloseTo(want, 6);
    const sq = softCrossEntropy(s, t, opts('masked', mask, { temperature: 2, temperatureSquared: true }));
    expect(value(sq)).toBeCloseTo(4 * want, 5);
  });
  it('masked positions: token logits [B, T, K] average over real tokens', () => {
    const s3 = tf.tensor3d([sRows]); // [1, 2, 3]
    const t3 = tf.tensor3d([tRows]);
    const first = softCe(sRows[0]!, tRows[0]!, 1).reduce((a, v) => a + v, 0);
    expect(value(softCrossEntropy(s3, t3, opts('masked', [[1, 0]])))).toBeCloseTo(first, 6);
  });
  it('regression: MSE between the logits', () => {
    const a = tf.tensor2d([[1], [2]]);
    const b = tf.tensor2d([[0], [4]]);
    expect(value(softCrossEntropy(a, b, opts('reference', mask, { outputMode: 'regression' })))).toBeCloseTo(2.5, 6);
  });
  it('rejects T^2 under reference semantics (the recipe schema validates the temperature itself)', () => {
    expect(() => softCrossEntropy(s, t, opts('reference', mask, { temperature: 1, temperatureSquared: true }))).toThrow(RecipeError);
  });
});

describe('hardLabelLoss', () => {
  const logits = tf.tensor2d([[2, 0, 0], [0, 1, 0], [0, 0, 0]]);
  const nll = (row: number[], y: number) => {
    const lse = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
    return lse - row[y]!;
  };
  it('cross-entropy averaged over the batch', () => {
    const want = (nll([2, 0, 0], 0) + nll([0, 1, 0], 2) + nll([0, 0, 0], 1)) / 3;
    expect(value(hardLabelLoss(logits, tf.tensor1d([0, 2, 1], 'int32'), opts('reference', [[1]])))).toBeCloseTo(want, 6);
  });
  it('labels < 0 are ignored (torch ignore_index)', () => {
    const want = (nll([2, 0, 0], 0) + nll([0, 0, 0], 1)) / 2;
    expect(value(hardLabelLoss(logits, tf.tensor1d([0, -100, 1], 'int32'), opts('reference', [[1]])))).toBeCloseTo(want, 6);
  });
  it('masked positions: token labels skip padding only under masked semantics', () => {
    const tok = tf.tensor3d([[[2, 0], [0, 3]]]); // [1, 2, 2]
    const y = tf.tensor2d([[0, 0]], undefined, 'int32');
    const a = nll([2, 0], 0);
    const b = nll([0, 3], 0);
    expect(value(hardLabelLoss(tok, y, opts('reference', [[1, 0]])))).toBeCloseTo((a + b) / 2, 6);
    expect(value(hardLabelLoss(tok, y, opts('masked', [[1, 0]])))).toBeCloseTo(a, 6);
  });
  it('regression: MSE against float labels', () => {
    const out = hardLabelLoss(tf.tensor2d([[1], [3]]), tf.tensor1d([0, 1]), opts('reference', [[1]], { outputMode: 'regression' }));
    expect(value(out)).toBeCloseTo(2.5, 6);
  });
  it('rejects labels of the wrong shape', () => {
    expect(() => hardLabelLoss(logits, tf.tensor1d([0, 1], 'int32'), opts('reference', [[1]]))).toThrow(
      /logits \[3,3\] need labels \[3\], got \[2\]/,
    );
  });
});

describe('LOSSES registry', () => {
  it('has exactly the recipe enum keys', () => {
    expect(Object.keys(LOSSES).sort()).toEqual([...lossNameSchema.options].sort());
  });
  it('rejects an unknown loss name', () => {
    expect(lossNameSchema.safeParse('kl').success).toBe(false);
  });
  it('leaves no tensors behind', () => {
    const a = tf.randomNormal([2, 2, 3, 3]);
    const b = tf.randomNormal([2, 2, 3, 3]);
    const o = opts('masked', [[1, 1, 0], [1, 0, 0]]);
    const before = tf.memory().numTensors;
    value(LOSSES.attention.compute(a, b, o));
    expect(tf.memory().numTensors).toBe(before);
  });
});
