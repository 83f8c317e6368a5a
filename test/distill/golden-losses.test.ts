/**
 * Golden parity with huawei-noah task_distill.py (../shared/golden/distill_losses.json): every
 * loss term at T=1 and T=2 (1e-5 abs) and the gradient norm of every student parameter for the
 * intermediate (att + rep) and the prediction (T=1) losses (1e-4 rel, 1e-6 abs floor).
 * Student in train mode (dropout 0), teacher without gradients, reference semantics.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { tf } from '../../src/backend/tf.js';
import { loadModelDir } from '../../src/checkpoint/model-dir.js';
import { resolveMapping, type ResolvedMapping } from '../../src/distill/mapping.js';
import { distillLosses, termValues } from '../../src/distill/objective.js';
import { loadProjection, type Projection } from '../../src/distill/projection.js';
import type { BertModel } from '../../src/model/bert.js';
import type { ModelOutput } from '../../src/model/output.js';
import { gradNorms, namedGrads, disposeGrads } from '../../src/train/gradients.js';
import { expectClose } from '../helpers/close.js';
import { GOLDEN, describeGolden, golden, type TensorJson } from '../helpers/shared.js';

interface GradReport {
  global_norm: number;
  param_grad_norms: Record<string, number>;
  params_without_grad: string[];
  sample_grads: Record<string, TensorJson>;
}
interface DistillGolden {
  layer_mapping: Record<string, [number, number][]>;
  att_loss_per_layer: number[];
  att_loss: number;
  rep_loss_per_hidden_state: number[];
  rep_loss: number;
  att_plus_rep_loss: number;
  pred_loss_T1: number;
  pred_loss_T2: number;
  student_hard_ce: number;
  teacher_hard_ce: number;
  grads: { att_plus_rep: GradReport; pred_T1: GradReport };
}
interface BatchGolden {
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
  labels: number[];
}

describeGolden('golden distill_losses.json (task_distill.py)', () => {
  let g: DistillGolden;
  let teacher: BertModel;
  let student: BertModel;
  let projection: Projection;
  let mapping: ResolvedMapping;
  let batch: { inputIds: tf.Tensor2D; tokenTypeIds: tf.Tensor2D; attentionMask: tf.Tensor2D };
  let labels: tf.Tensor1D;
  let tOut: ModelOutput;
  let backend = '';
  const lossErr: number[] = [];
  const report = (a: number[], e: number[]) => a.forEach((x, i) => lossErr.push(Math.abs(x - e[i]!)));

  beforeAll(async () => {
    backend = (await initBackend(undefined, { quiet: true })).name;
    g = golden<DistillGolden>('distill_losses.json');
    const b = golden<BatchGolden>('batch.json');
    teacher = (await loadModelDir(`${GOLDEN}/nezha_teacher`)).model;
    const s = await loadModelDir(`${GOLDEN}/tinybert_student`);
    student = s.model;
    const Cs = student.config.hiddenSize;
    const Ct = teacher.config.hiddenSize;
    projection = loadProjection(s.extras, { kind: 'shared', studentHidden: Cs, teacherHidden: Ct, numStates: student.config.numLayers + 1 });
    mapping = resolveMapping(
      'uniform',
      { layers: teacher.config.numLayers, heads: teacher.config.numHeads },
      { layers: student.config.numLayers, heads: student.config.numHeads },
    );
    batch = {
      inputIds: tf.tensor2d(b.input_ids, undefined, 'int32'),
      tokenTypeIds: tf.tensor2d(b.token_type_ids, undefined, 'int32'),
      attentionMask: tf.tensor2d(b.attention_mask, undefined, 'int32'),
    };
    labels = tf.tensor1d(b.labels, 'int32');
    tOut = teacher.forward(batch, { training: false });
  });

  afterAll(() => {
    if (lossErr.length) process.stdout.write(`loss terms [${backend}]: max abs error ${Math.max(...lossErr).toExponential(2)} over ${lossErr.length} values\n`);
    teacher?.dispose();
    student?.dispose();
    projection?.dispose();
  });

  it('layer mapping equals the reference', () => {
    expect(mapping.attention.map((p) => [p.student, p.teacher])).toEqual(g.layer_mapping.student_attention_layer_to_teacher_attention_layer);
    expect(mapping.hidden.map((p) => [p.student, p.teacher])).toEqual(g.layer_mapping.student_hidden_state_to_teacher_hidden_state);
  });

  function losses(spec: Parameters<typeof distillLosses>[2]['losses'], temperature = 1): Record<string, number> {
    return tf.tidy(() => {
      const sOut = student.forward(batch, { training: true });
      const out = distillLosses(tOut, sOut, { losses: spec, semantics: 'reference', mapping, projection, temperature, labels });
      return { ...termValues(out.terms), total: out.total.dataSync()[0]! };
    }) as unknown as Record<string, number>;
  }

  it('attention, embedding and hidden terms, per layer and summed (1e-5 abs)', () => {
    const v = losses({ attention: 1, embedding: 1, hidden: 1 });
    expectClose([v['attention.layer0']!, v['attention.layer1']!], g.att_loss_per_layer, { what: 'att_loss_per_layer' });
    expectClose([v.attention!], [g.att_loss], { what: 'att_loss' });
    expectClose([v.embedding!, v['hidden.state1']!, v['hidden.state2']!], g.rep_loss_per_hidden_state, { what: 'rep_loss_per_hidden_state' });
    // rep_loss = embedding (state 0) + hidden (states 1..M)
    expectClose([v.embedding! + v.hidden!], [g.rep_loss], { what: 'rep_loss' });
    expectClose([v.total!], [g.att_plus_rep_loss], { what: 'att_plus_rep_loss' });
    report(
      [v['attention.layer0']!, v['attention.layer1']!, v.attention!, v.embedding!, v['hidden.state1']!, v['hidden.state2']!, v.embedding! + v.hidden!, v.total!],
      [...g.att_loss_per_layer, g.att_loss, ...g.rep_loss_per_hidden_state, g.rep_loss, g.att_plus_rep_loss],
    );
  });

  it('prediction loss at T=1 and T=2, hard-label CE of student and teacher (1e-5 abs)', () => {
    const v1 = losses({ prediction: 1, hard: 1 }, 1);
    expectClose([v1.prediction!], [g.pred_loss_T1], { what: 'pred_loss_T1' });
    const v2 = losses({ prediction: 1, hard: 1 }, 2);
    expectClose([v2.prediction!], [g.pred_loss_T2], { what: 'pred_loss_T2' });
    expectClose([v2.hard!], [g.student_hard_ce], { what: 'student_hard_ce' });
    const tHard = tf.tidy(() =>
      distillLosses(tOut, tOut, { losses: { hard: 1 }, semantics: 'reference', mapping, labels }).terms.hard!.dataSync()[0]!,
    ) as unknown as number;
    expectClose([tHard], [g.teacher_hard_ce], { what: 'teacher_hard_ce' });
    report([v1.prediction!, v2.prediction!, v2.hard!, tHard], [g.pred_loss_T1, g.pred_loss_T2, g.student_hard_ce, g.teacher_hard_ce]);
  });

  function checkGrads(spec: Parameters<typeof distillLosses>[2]['losses'], want: GradReport, what: string): void {
    const { value, grads } = namedGrads(() => {
      const sOut = student.forward(batch, { training: true });
      return distillLosses(tOut, sOut, { losses: spec, semantics: 'reference', mapping, projection, labels, temperature: 1 }).total;
    }, student.params, projection.params);
    value.dispose();
    const norms = gradNorms(grads);
    const names = Object.keys(want.param_grad_norms);
    expect(new Set(names)).toEqual(new Set([...student.params.keys(), ...projection.params.keys()]));
    // Parameters the reference leaves with `.grad is None` get no gradient here either.
    expect(names.filter((n) => !grads.has(n)).sort(), `${what}: params without grad`).toEqual([...want.params_without_grad].sort());
    const actual = names.map((n) => norms.get(n) ?? 0);
    const expected = names.map((n) => want.param_grad_norms[n]!);
    expectClose(actual, expected, { atol: 1e-6, rtol: 1e-4, what: `${what} gradient norms (${names.join(', ')})` });
    let sq = 0;
    for (const x of actual) sq += x * x;
    expectClose([Math.sqrt(sq)], [want.global_norm], { atol: 1e-6, rtol: 1e-4, what: `${what} global norm` });
    for (const [n, t] of Object.entries(want.sample_grads)) {
      expectClose(grads.get(n)!.dataSync(), t.data, { atol: 1e-6, rtol: 1e-4, what: `${what} gradient of ${n}` });
    }
    const worst = names.reduce((acc, n, i) => {
      if (expected[i]! < 1e-6) return acc; // true gradient 0 (key biases): only the abs floor applies
      const rel = Math.abs(actual[i]! - expected[i]!) / expected[i]!;
      return rel > acc.rel ? { n, rel } : acc;
    }, { n: '', rel: 0 });
    const maxAbs = Math.max(...names.map((_, i) => Math.abs(actual[i]! - expected[i]!)));
    process.stdout.write(`${what} [${backend}]: gradient norms max abs error ${maxAbs.toExponential(2)}, worst rel ${worst.rel.toExponential(2)} (${worst.n})\n`);
    disposeGrads(grads);
  }

  it('gradient norm of every parameter for att + rep (1e-4 rel)', () => {
    checkGrads({ attention: 1, embedding: 1, hidden: 1 }, g.grads.att_plus_rep, 'att_plus_rep');
  });

  it('gradient norm of every parameter for the T=1 prediction loss (1e-4 rel)', () => {
    checkGrads({ prediction: 1 }, g.grads.pred_T1, 'pred_T1');
  });
});
