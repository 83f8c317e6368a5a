/**
 * Golden parity with TinyBERT's BertAdam (../shared/golden/bertadam_steps.json): three steps of
 * intermediate-layer distillation (att + rep) on the golden batch, lr 1e-3, warmup-linear
 * (warmup 0.1, t_total 10) and the `none` schedule task_distill.py really uses. Checked at 1e-4
 * relative (1e-6 absolute floor): losses before every step, gradient norms before clipping, loss
 * after the last step, the recorded final tensors and the norm of every parameter.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { tf } from '../../src/backend/tf.js';
import { loadModelDir } from '../../src/checkpoint/model-dir.js';
import { resolveMapping, type ResolvedMapping } from '../../src/distill/mapping.js';
import { distillLosses, termValues } from '../../src/distill/objective.js';
import { loadProjection } from '../../src/distill/projection.js';
import type { ModelOutput } from '../../src/model/output.js';
import { disposeGrads, gradNorms, namedGrads } from '../../src/train/gradients.js';
import { BertAdam } from '../../src/train/optimizer.js';
import { makeSchedule } from '../../src/train/schedule.js';
import { expectClose } from '../helpers/close.js';
import { GOLDEN, describeGolden, golden, type TensorJson } from '../helpers/shared.js';

interface StepGolden {
  step: number;
  lr_multiplier: number;
  att_loss: number;
  rep_loss: number;
  loss: number;
  grad_global_norm_before_clipping: number;
  grad_norms_before_clipping: Record<string, number>;
}
interface RunGolden {
  config: { lr: number; schedule: string; warmup: number; t_total: number; no_decay_substrings: string[] };
  lr_multipliers: number[];
  initial_param_norms: Record<string, number>;
  steps: StepGolden[];
  loss_after_last_step: { att_loss: number; rep_loss: number; loss: number };
  params_never_updated: string[];
  final_tensors: Record<string, TensorJson>;
  final_param_norms: Record<string, number>;
}
interface BatchGolden {
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
}

const TOL = { atol: 1e-6, rtol: 1e-4 };
const norm = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((a, v) => a + v * v, 0));

describeGolden('golden bertadam_steps.json (TinyBERT BertAdam)', () => {
  let batch: { inputIds: tf.Tensor2D; tokenTypeIds: tf.Tensor2D; attentionMask: tf.Tensor2D };
  let tOut: ModelOutput;
  let mapping: ResolvedMapping;
  let disposeTeacher: () => void;
  let backend = '';

  beforeAll(async () => {
    backend = (await initBackend(undefined, { quiet: true })).name;
    const b = golden<BatchGolden>('batch.json');
    batch = {
      inputIds: tf.tensor2d(b.input_ids, undefined, 'int32'),
      tokenTypeIds: tf.tensor2d(b.token_type_ids, undefined, 'int32'),
      attentionMask: tf.tensor2d(b.attention_mask, undefined, 'int32'),
    };
    const teacher = (await loadModelDir(`${GOLDEN}/nezha_teacher`)).model;
    tOut = teacher.forward(batch, { training: false });
    mapping = resolveMapping('uniform', { layers: 4, heads: 4 }, { layers: 2, heads: 4 });
    disposeTeacher = () => teacher.dispose();
  });
  afterAll(() => disposeTeacher?.());

  async function replay(want: RunGolden, what: string): Promise<void> {
    const loaded = await loadModelDir(`${GOLDEN}/tinybert_student`);
    const student = loaded.model;
    const projection = loadProjection(loaded.extras, { kind: 'shared', studentHidden: 32, teacherHidden: 64, numStates: 3 });
    const params = new Map([...student.params, ...projection.params]);
    const initial = new Map([...params].map(([n, v]) => [n, Array.from(v.dataSync())]));
    expectClose([...params.keys()].map((n) => norm(initial.get(n)!)), [...params.keys()].map((n) => want.initial_param_norms[n]!), {
      ...TOL,
      what: `${what} initial norms`,
    });
    const opt = new BertAdam(params, { no_decay: want.config.no_decay_substrings });
    const schedule = makeSchedule({ name: want.config.schedule === 'none' ? 'none' : 'warmup-linear', warmup: want.config.warmup }, want.config.t_total);
    const losses = (): { value: tf.Scalar; v: Record<string, number> } => {
      let v: Record<string, number> = {};
      const sOut = student.forward(batch, { training: true });
      const out = distillLosses(tOut, sOut, { losses: { attention: 1, embedding: 1, hidden: 1 }, semantics: 'reference', mapping, projection });
      v = termValues(out.terms);
      return { value: out.total, v };
    };
    const worst: Record<string, { abs: number; rel: number }> = {};
    const track = (a: number[], e: number[], kind: string) => {
      const w = (worst[kind] ??= { abs: 0, rel: 0 });
      a.forEach((x, i) => {
        const d = Math.abs(x - e[i]!);
        w.abs = Math.max(w.abs, d);
        if (Math.abs(e[i]!) > 1e-6) w.rel = Math.max(w.rel, d / Math.abs(e[i]!));
      });
    };
    try {
      const multipliers: number[] = [];
      for (const s of want.steps) {
        let v: Record<string, number> = {};
        const { value, grads } = namedGrads(() => {
          const r = losses();
          v = r.v;
          return r.value;
        }, params);
        const got = [v.attention!, v.embedding! + v.hidden!, value.dataSync()[0]!];
        value.dispose();
        expectClose(got, [s.att_loss, s.rep_loss, s.loss], { ...TOL, what: `${what} step ${s.step} att/rep/loss` });
        track(got, [s.att_loss, s.rep_loss, s.loss], 'losses');
        const norms = gradNorms(grads);
        const names = Object.keys(s.grad_norms_before_clipping);
        const gn = names.map((n) => norms.get(n) ?? 0);
        const en = names.map((n) => s.grad_norms_before_clipping[n]!);
        expectClose(gn, en, { ...TOL, what: `${what} step ${s.step} gradient norms` });
        track(gn, en, 'grad norms');
        const mult = schedule(opt.stepCount); // reference: from state['step'] before the increment
        multipliers.push(mult);
        opt.step(grads, want.config.lr * mult);
        disposeGrads(grads);
      }
      expect(multipliers, `${what} lr multipliers`).toEqual(want.lr_multipliers);
      const after = tf.tidy(() => {
        const r = losses();
        return [r.v.attention!, r.v.embedding! + r.v.hidden!, r.value.dataSync()[0]!];
      }) as unknown as number[];
      const e = want.loss_after_last_step;
      expectClose(after, [e.att_loss, e.rep_loss, e.loss], { ...TOL, what: `${what} loss after the last step` });
      track(after, [e.att_loss, e.rep_loss, e.loss], 'losses');
      for (const [n, t] of Object.entries(want.final_tensors)) {
        const a = Array.from(params.get(n)!.dataSync());
        expectClose(a, t.data, { ...TOL, what: `${what} final ${n}` });
        track(a, t.data, 'final tensors');
      }
      const names = Object.keys(want.final_param_norms);
      expect(new Set(names)).toEqual(new Set(params.keys()));
      const fn = names.map((n) => norm(params.get(n)!.dataSync()));
      const en = names.map((n) => want.final_param_norms[n]!);
      expectClose(fn, en, { ...TOL, what: `${what} final parameter norms` });
      track(fn, en, 'final norms');
      // No gradient -> skipped entirely: not even weight decay touches them.
      for (const n of want.params_never_updated) {
        expect(Array.from(params.get(n)!.dataSync()), `${what}: ${n} never updated`).toEqual(initial.get(n));
      }
      const summary = Object.entries(worst).map(([k, w]) => `${k} abs ${w.abs.toExponential(2)} rel ${w.rel.toExponential(2)}`);
      process.stdout.write(`${what} [${backend}] worst errors: ${summary.join('; ')}\n`);
    } finally {
      opt.dispose();
      projection.dispose();
      student.dispose();
    }
  }

  it('warmup-linear: 3 steps (lr multipliers 0, 1, 0.889)', async () => {
    await replay(golden<RunGolden>('bertadam_steps.json'), 'warmup_linear');
  }, 600_000);

  it('reference_schedule_none: 3 steps at constant lr', async () => {
    await replay(golden<{ reference_schedule_none: RunGolden }>('bertadam_steps.json').reference_schedule_none, 'schedule_none');
  }, 600_000);
});
