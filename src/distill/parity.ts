/**
 * Parity aid for users coming from huawei-noah TinyBERT: every loss term of one batch, in eval mode,
 * under the key names of task_distill.py's quantities as recorded in the golden
 * `distill_losses.json` — so a PyTorch run and a tinybert run can be diffed number by number.
 *
 * Reference semantics throughout (see losses.ts): uniform layer mapping, one shared `fit_dense`
 * projection read from the student checkpoint, `rep_loss` summed over student hidden states 0..M
 * (embedding output included), soft cross-entropy as a mean over batch x classes without T^2.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { tf } from '../backend/tf.js';
import { loadModelDir } from '../checkpoint/model-dir.js';
import type { TensorMap } from '../checkpoint/tensor-map.js';
import { CheckpointError, DataError, RecipeError } from '../errors.js';
import { validate } from '../util/validate.js';
import type { BertModel } from '../model/bert.js';
import { batchTensors, readBatchJson, type BatchJson, type TensorJson } from '../model/batch-json.js';
import { hardLabelLoss, softCrossEntropy, type LossOptions } from './losses.js';
import { resolveMapping } from './mapping.js';
import { distillLosses, disposeLosses, termValues } from './objective.js';
import { loadProjection, type Projection } from './projection.js';

export interface ParityInputs {
  teacher: BertModel;
  student: BertModel;
  /** The student checkpoint's training-only tensors (its `fit_dense`). */
  studentExtras: TensorMap;
  batch: BatchJson;
  /** Gold labels [B] (class indices); the hard-label terms are reported only when given. */
  labels?: number[];
  /** Prediction temperatures; one `pred_loss_T<T>` key each (default [1]). */
  temperatures?: number[];
}

/** The record's keys, in the golden file's order. */
export interface ParityReport {
  layer_mapping: {
    student_attention_layer_to_teacher_attention_layer: [number, number][];
    student_hidden_state_to_teacher_hidden_state: [number, number][];
  };
  att_loss_per_layer: number[];
  att_loss: number;
  rep_loss_per_hidden_state: number[];
  rep_loss: number;
  att_plus_rep_loss: number;
  [predLoss: `pred_loss_T${string}`]: number;
  student_hard_ce?: number;
  teacher_hard_ce?: number;
  student_logits: TensorJson;
  teacher_logits: TensorJson;
}

const labelsSchema = z.array(z.number().int().min(0)).optional();

/** `pred_loss_T1`, `pred_loss_T2`, `pred_loss_T0.5`: the temperature as JavaScript prints it. */
export function predLossKey(temperature: number): `pred_loss_T${string}` {
  return `pred_loss_T${String(temperature)}`;
}

/** The student's shared fit_dense, or identity when the widths already match. */
function studentProjection(teacher: BertModel, student: BertModel, extras: TensorMap): Projection | undefined {
  const Ct = teacher.config.hiddenSize;
  const Cs = student.config.hiddenSize;
  const spec = { studentHidden: Cs, teacherHidden: Ct, numStates: student.config.numLayers + 1 };
  if (extras.has('fit_dense.weight')) return loadProjection(extras, { ...spec, kind: 'shared' });
  if (Cs === Ct) return undefined;
  throw new CheckpointError(
    `student checkpoint has no fit_dense.weight, and its hidden size ${Cs} differs from the teacher's ${Ct}: ` +
      'the representation losses need the projection the student was distilled with',
  );
}

/** Computes the report; every tensor made here is disposed before it returns. */
export function parityReport(inp: ParityInputs): ParityReport {
  const { teacher, student, batch } = inp;
  const temperatures = inp.temperatures ?? [1];
  const mapping = resolveMapping(
    'uniform',
    { layers: teacher.config.numLayers, heads: teacher.config.numHeads },
    { layers: student.config.numLayers, heads: student.config.numHeads },
  );
  const projection = studentProjection(teacher, student, inp.studentExtras);
  try {
    let result: ParityReport | undefined;
    tf.tidy(() => {
      const inputs = batchTensors(batch);
      const t = teacher.forward(inputs, { training: false });
      const s = student.forward(inputs, { training: false });
      if (!t.logits || !s.logits) throw new RecipeError('distill-losses: both models need a classification head (logits)');
      const losses = distillLosses(t, s, {
        losses: { attention: 1, embedding: 1, hidden: 1 },
        semantics: 'reference',
        mapping,
        projection,
      });
      const v = termValues(losses.terms);
      disposeLosses(losses);
      const M = student.config.numLayers;
      const att = mapping.attention.map((p) => v[`attention.layer${p.student}`]!);
      const rep = mapping.hidden.map((p) => (p.student === 0 ? v.embedding! : v[`hidden.state${p.student}`]!));
      const opts: LossOptions = { semantics: 'reference', mask: s.attentionMask };
      const report: ParityReport = {
        layer_mapping: {
          student_attention_layer_to_teacher_attention_layer: mapping.attention.map((p) => [p.student, p.teacher]),
          student_hidden_state_to_teacher_hidden_state: mapping.hidden.map((p) => [p.student, p.teacher]),
        },
        att_loss_per_layer: att,
        att_loss: v.attention!,
        rep_loss_per_hidden_state: rep,
        // task_distill.py accumulates rep_loss over states 0..M in this order, in float32.
        rep_loss: rep.reduce((acc, x) => Math.fround(acc + x), 0),
        att_plus_rep_loss: 0,
        student_logits: { shape: [...s.logits.shape], data: Array.from(s.logits.dataSync()) },
        teacher_logits: { shape: [...t.logits.shape], data: Array.from(t.logits.dataSync()) },
      };
      report.att_plus_rep_loss = Math.fround(report.att_loss + report.rep_loss);
      if (rep.length !== M + 1) throw new RecipeError(`distill-losses: expected ${M + 1} hidden-state pairs, got ${rep.length}`);
      for (const T of temperatures) {
        report[predLossKey(T)] = softCrossEntropy(s.logits, t.logits, { ...opts, temperature: T }).dataSync()[0]!;
      }
      if (inp.labels) {
        const y = tf.tensor1d(inp.labels, 'int32');
        report.student_hard_ce = hardLabelLoss(s.logits, y, opts).dataSync()[0]!;
        report.teacher_hard_ce = hardLabelLoss(t.logits, y, opts).dataSync()[0]!;
      }
      result = orderKeys(report, temperatures);
    });
    return result!;
  } finally {
    projection?.dispose();
  }
}

/** Same key order as the golden file, so the two JSON files diff line by line. */
function orderKeys(r: ParityReport, temperatures: number[]): ParityReport {
  const keys = [
    'layer_mapping', 'att_loss_per_layer', 'att_loss', 'rep_loss_per_hidden_state', 'rep_loss', 'att_plus_rep_loss',
    ...temperatures.map(predLossKey), 'student_hard_ce', 'teacher_hard_ce', 'student_logits', 'teacher_logits',
  ];
  const rec = r as unknown as Record<string, unknown>;
  return Object.fromEntries(keys.filter((k) => rec[k] !== undefined).map((k) => [k, rec[k]])) as unknown as ParityReport;
}

export interface DistillLossesFileOptions {
  teacher: string;
  student: string;
  /** JSON batch: input_ids, token_type_ids, attention_mask, optional labels. */
  inputs: string;
  temperatures?: number[];
}

/** `tinybert distill-losses`: loads both model directories and the batch file, returns the report. */
export function distillLossesFromFiles(o: DistillLossesFileOptions): ParityReport {
  const batch = readBatchJson(o.inputs);
  const raw = JSON.parse(readFileSync(o.inputs, 'utf8')) as { labels?: unknown };
  const labels = validate(labelsSchema, raw.labels, { file: o.inputs, at: 'labels' }, DataError);
  if (labels && labels.length !== batch.input_ids.length) {
    throw new DataError(`${o.inputs}: labels: ${labels.length} labels for ${batch.input_ids.length} rows`);
  }
  const teacher = loadModelDir(o.teacher).model;
  try {
    const { model: student, extras } = loadModelDir(o.student);
    try {
      return parityReport({ teacher, student, studentExtras: extras, batch, labels, temperatures: o.temperatures });
    } finally {
      student.dispose();
    }
  } finally {
    teacher.dispose();
  }
}
