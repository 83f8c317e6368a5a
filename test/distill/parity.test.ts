import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { tf } from '../../src/backend/tf.js';
import { loadModelDir, saveModelDir } from '../../src/checkpoint/model-dir.js';
import { main } from '../../src/cli/main.js';
import { distillLossesFromFiles, parityReport, predLossKey } from '../../src/distill/parity.js';
import { expectClose } from '../helpers/close.js';
import { describeGolden, golden, GOLDEN, type TensorJson } from '../helpers/shared.js';

interface Golden {
  layer_mapping: Record<string, [number, number][]>;
  att_loss_per_layer: number[];
  rep_loss_per_hidden_state: number[];
  student_logits: TensorJson;
  teacher_logits: TensorJson;
  [key: string]: unknown;
}

const SCALARS = ['att_loss', 'rep_loss', 'att_plus_rep_loss', 'pred_loss_T1', 'pred_loss_T2', 'student_hard_ce', 'teacher_hard_ce'];

describeGolden('distill-losses parity with task_distill.py (golden distill_losses.json)', () => {
  let tmp: string;
  beforeAll(async () => {
    await initBackend('cpu', { quiet: true });
    tmp = mkdtempSync(join(tmpdir(), 'tinybert-parity-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const options = () => ({
    teacher: join(GOLDEN, 'nezha_teacher'),
    student: join(GOLDEN, 'tinybert_student'),
    inputs: join(GOLDEN, 'batch.json'),
    temperatures: [1, 2],
  });

  it('every loss term matches at T=1 and T=2 to 1e-5', () => {
    const g = golden<Golden>('distill_losses.json');
    const r = distillLossesFromFiles(options()) as unknown as Golden;
    expect(r.layer_mapping).toEqual(g.layer_mapping);
    expectClose(r.att_loss_per_layer, g.att_loss_per_layer, { what: 'att_loss_per_layer' });
    expectClose(r.rep_loss_per_hidden_state, g.rep_loss_per_hidden_state, { what: 'rep_loss_per_hidden_state' });
    for (const k of SCALARS) expectClose([r[k] as number], [g[k] as number], { what: k });
    for (const k of ['student_logits', 'teacher_logits'] as const) {
      expect(r[k].shape).toEqual(g[k].shape);
      expectClose(r[k].data, g[k].data, { what: k });
    }
    // Same keys as the golden, in the same order (minus the gradients, which this command does not compute).
    expect(Object.keys(r)).toEqual(Object.keys(g).filter((k) => k !== 'grads'));
  });

  it('leaves no tensors behind', () => {
    const teacher = loadModelDir(join(GOLDEN, 'nezha_teacher')).model;
    const { model: student, extras } = loadModelDir(join(GOLDEN, 'tinybert_student'));
    const batch = JSON.parse(readFileSync(join(GOLDEN, 'batch.json'), 'utf8'));
    const n0 = tf.memory().numTensors;
    parityReport({ teacher, student, studentExtras: extras, batch, labels: batch.labels, temperatures: [1] });
    expect(tf.memory().numTensors).toBe(n0);
    teacher.dispose();
    student.dispose();
  });

  it('without labels the hard-label terms are absent; keys follow the temperature', () => {
    const batch = JSON.parse(readFileSync(join(GOLDEN, 'batch.json'), 'utf8'));
    delete batch.labels;
    const inputs = join(tmp, 'nolabels.json');
    writeFileSync(inputs, JSON.stringify(batch));
    const r = distillLossesFromFiles({ ...options(), inputs, temperatures: [0.5] }) as unknown as Record<string, unknown>;
    expect(r.student_hard_ce).toBeUndefined();
    expect(r.teacher_hard_ce).toBeUndefined();
    expect(Object.keys(r)).toContain(predLossKey(0.5));
    expect(predLossKey(0.5)).toBe('pred_loss_T0.5');
  });

  it('the CLI writes the same JSON to --out', async () => {
    const out = join(tmp, 'losses.json');
    const o = options();
    const code = await main(['distill-losses', '--teacher', o.teacher, '--student', o.student, '--inputs', o.inputs, '--temperature', '1', '2', '--out', out, '--backend', 'cpu']);
    expect(code).toBe(0);
    const g = golden<Golden>('distill_losses.json');
    const r = JSON.parse(readFileSync(out, 'utf8')) as Golden;
    for (const k of SCALARS) expectClose([r[k] as number], [g[k] as number], { what: k });
  });

  it('errors clearly when the student has no fit_dense and the widths differ', async () => {
    const o = options();
    // Equal widths need no projection: the teacher as its own student works.
    expect(() => distillLossesFromFiles({ ...o, student: o.teacher })).not.toThrow();
    const { model } = loadModelDir(o.student);
    const bare = join(tmp, 'student-without-fit-dense');
    await saveModelDir(model, bare);
    model.dispose();
    expect(() => distillLossesFromFiles({ ...o, student: bare })).toThrow(/no fit_dense\.weight, and its hidden size 32 differs from the teacher's 64/);
  });
});

