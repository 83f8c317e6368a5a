import { describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { resolveMapping } from '../../src/distill/mapping.js';
import { disposeLosses, distillLosses, termValues } from '../../src/distill/objective.js';
import { loadProjection } from '../../src/distill/projection.js';
import type { ModelOutput } from '../../src/model/output.js';

/** A fake model output: L layers, H heads, width C, B=1, T=2, second token padding. */
function fake(L: number, H: number, C: number, seed: number, logits: number[]): ModelOutput {
  const mask = tf.tensor2d([[1, 0]]);
  const add = tf.mul(tf.sub(1, mask), -10000).reshape([1, 1, 1, 2]); // [1, 1, 1, T]
  return {
    hiddenStates: Array.from({ length: L + 1 }, (_, l) => tf.randomNormal([1, 2, C], 0, 1, 'float32', seed + l)),
    attentionScores: Array.from({ length: L }, (_, l) => tf.add(tf.randomNormal([1, H, 2, 2], 0, 1, 'float32', seed + 100 + l), add)),
    logits: tf.tensor2d([logits]),
    attentionMask: mask,
  };
}

const mse = (a: tf.Tensor, b: tf.Tensor) => tf.mean(tf.squaredDifference(a, b)).dataSync()[0]!;
const zeroMasked = (x: tf.Tensor) => tf.where(tf.lessEqual(x, -100), tf.zerosLike(x), x);

describe('distillLosses', () => {
  const teacher = fake(4, 2, 3, 1, [1, 0, -1]);
  const student = fake(2, 2, 2, 50, [0.2, 0.1, 0]);
  const mapping = resolveMapping('uniform', { layers: 4, heads: 2 }, { layers: 2, heads: 2 });
  const W = new Float32Array([1, 0, 0, 1, 1, 1]);
  const projection = loadProjection(
    new Map([['fit_dense.weight', { shape: [3, 2], data: W }], ['fit_dense.bias', { shape: [3], data: new Float32Array(3) }]]),
    { kind: 'shared', studentHidden: 2, teacherHidden: 3, numStates: 3 },
  );

  it('logs every term unweighted under structured names; rep_loss = embedding + hidden', () => {
    const out = distillLosses(teacher, student, {
      losses: { attention: 1, embedding: 1, hidden: 1 },
      semantics: 'reference',
      mapping,
      projection,
    });
    const v = termValues(out.terms);
    expect(Object.keys(v).sort()).toEqual(
      ['attention', 'attention.layer0', 'attention.layer1', 'embedding', 'hidden', 'hidden.state1', 'hidden.state2'].sort(),
    );
    // Hand reference: task_distill.py's loops over the uniform mapping.
    const att = [0, 1].map((m) => mse(zeroMasked(student.attentionScores[m]!), zeroMasked(teacher.attentionScores[2 * m + 1]!)));
    const rep = [0, 1, 2].map((m) => mse(projection.apply(m, student.hiddenStates[m]!), teacher.hiddenStates[2 * m]!));
    expect(v['attention.layer0']).toBeCloseTo(att[0]!, 5);
    expect(v['attention.layer1']).toBeCloseTo(att[1]!, 5);
    expect(v.attention).toBeCloseTo(att[0]! + att[1]!, 5);
    expect(v.embedding).toBeCloseTo(rep[0]!, 5);
    expect(v['hidden.state2']).toBeCloseTo(rep[2]!, 5);
    expect(v.hidden).toBeCloseTo(rep[1]! + rep[2]!, 5);
    expect(out.total.dataSync()[0]).toBeCloseTo(att[0]! + att[1]! + rep[0]! + rep[1]! + rep[2]!, 5);
    disposeLosses(out);
  });

  it('weights the total but not the terms; prediction at T=2 and hard labels', () => {
    const out = distillLosses(teacher, student, {
      losses: { hidden: 0.5, prediction: 2, hard: 0 },
      semantics: 'reference',
      mapping,
      projection,
      temperature: 2,
      labels: tf.tensor1d([0], 'int32'),
    });
    const v = termValues(out.terms);
    expect(Object.keys(v).sort()).toEqual(['hard', 'hidden', 'hidden.state1', 'hidden.state2', 'prediction']);
    expect(out.total.dataSync()[0]).toBeCloseTo(0.5 * v.hidden! + 2 * v.prediction!, 5);
    // soft CE at T=2 by hand: mean_k -softmax(t/2)_k log_softmax(s/2)_k
    const t = [0.5, 0, -0.5];
    const s = [0.1, 0.05, 0];
    const lse = (x: number[]) => Math.log(x.reduce((a, y) => a + Math.exp(y), 0));
    const want = -t.reduce((a, tk, k) => a + Math.exp(tk - lse(t)) * (s[k]! - lse(s)), 0) / 3;
    expect(v.prediction).toBeCloseTo(want, 6);
    disposeLosses(out);
  });

  it('head-averaged attention compares [B, T, T] maps', () => {
    const avg = resolveMapping({ attention_heads: 'average' }, { layers: 4, heads: 2 }, { layers: 2, heads: 2 });
    const out = distillLosses(teacher, student, { losses: { attention: 1 }, semantics: 'masked', mapping: avg });
    const s0 = tf.mean(student.attentionScores[0]!, 1);
    const t1 = tf.mean(teacher.attentionScores[1]!, 1);
    // masked: only the (0, 0) pair is real
    const want = (s0.dataSync()[0]! - t1.dataSync()[0]!) ** 2;
    expect(termValues(out.terms)['attention.layer0']).toBeCloseTo(want, 5);
    disposeLosses(out);
  });

  it('leaves nothing behind but what it returns', () => {
    const before = tf.memory().numTensors;
    const out = distillLosses(teacher, student, { losses: { attention: 1, embedding: 1, hidden: 1, prediction: 1 }, semantics: 'masked', mapping, projection, temperature: 1 });
    disposeLosses(out);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gradient reaches student tensors and the projection only', () => {
    const x = tf.variable(student.hiddenStates[1]!.clone());
    const s2: ModelOutput = { ...student, hiddenStates: [student.hiddenStates[0]!, x, student.hiddenStates[2]!] };
    const { grads } = tf.variableGrads(
      () => distillLosses(teacher, s2, { losses: { hidden: 1 }, semantics: 'reference', mapping, projection }).total,
      [x, ...projection.params.values()],
    );
    expect(Object.keys(grads).length).toBe(3);
  });

  it('errors name the missing piece', () => {
    const noLogits = { ...student, logits: undefined };
    expect(() => distillLosses(teacher, noLogits, { losses: { prediction: 1 }, semantics: 'reference', mapping })).toThrow(
      'losses.prediction: both models need a task head (logits)',
    );
    expect(() => distillLosses(teacher, student, { losses: { hard: 1 }, semantics: 'reference', mapping })).toThrow(
      'losses.hard: needs gold labels but the batch has none',
    );
    const before = tf.memory().numTensors;
    const noEmb = { ...mapping, hidden: mapping.hidden.slice(1) };
    expect(() =>
      distillLosses(teacher, student, { losses: { attention: 1, embedding: 1 }, semantics: 'reference', mapping: noEmb, projection }),
    ).toThrow('losses.embedding: the hidden mapping has no pair for student hidden state 0');
    expect(tf.memory().numTensors).toBe(before);
  });
});
