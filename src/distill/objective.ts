/**
 * The distillation objective: every requested TinyBERT loss between one teacher and one student
 * forward (both as `ModelOutput`), each term kept unweighted under a structured name, and their
 * weighted sum.
 *
 * Term names (student indices):
 *   attention.layer<m>  attention  — eq. 7, one per mapped student layer, and their sum
 *   embedding                      — eq. 9, the pair whose student hidden state is 0
 *   hidden.state<m>     hidden     — eq. 8, pairs with student hidden state m >= 1, and their sum
 *   prediction                     — eq. 10, soft cross-entropy at temperature T
 *   hard                           — gold-label cross-entropy (MSE for regression)
 *
 * Relation to huawei-noah task_distill.py: its `att_loss` is `attention`; its `rep_loss` sums the
 * MSE over student hidden states 0..M (the embedding output is state 0), so with uniform mapping
 * `rep_loss = embedding + hidden`, and `loss = att_loss + rep_loss` is the total with weights
 * {attention: 1, embedding: 1, hidden: 1}. Its prediction stage `cls_loss` is `prediction`.
 *
 * Memory: all returned scalars are new tensors the caller owns. Inside `tf.variableGrads(f)` the
 * forward scope disposes everything but the returned total, so read the terms (e.g.
 * `termValues(terms)`) inside `f`.
 */
import { tf, type Tensor } from '../backend/tf.js';
import { RecipeError, ShapeError } from '../errors.js';
import type { ModelOutput } from '../model/output.js';
import {
  attentionMse,
  hardLabelLoss,
  representationMse,
  softCrossEntropy,
  type LossName,
  type LossOptions,
  type OutputMode,
  type Semantics,
} from './losses.js';
import type { ResolvedMapping } from './mapping.js';
import type { Projection } from './projection.js';

export interface DistillSpec {
  /** Weight of each loss term; a term is computed (and logged) iff it is listed, even at weight 0. */
  losses: Partial<Record<LossName, number>>;
  semantics: Semantics;
  mapping: ResolvedMapping;
  /** Student -> teacher hidden projections (needed by `embedding` and `hidden`). */
  projection?: Projection;
  /** Prediction temperature, needed iff `prediction` is listed: the recipe's resolved value (no default here). */
  temperature?: number;
  /** T^2 factor on the soft cross-entropy (masked semantics only). */
  temperatureSquared?: boolean;
  /** Gold labels for `hard`: int32 [B] (sequence) or [B, T] (token, < 0 ignored); float [B] for regression. */
  labels?: Tensor;
  outputMode?: OutputMode;
  /**
   * The task's own prediction and hard losses (a task module, src/tasks: token positions, span
   * start/end); without it the sequence-classification losses above apply. The batch is bound in.
   */
  taskLosses?: { prediction(student: Tensor, teacher: Tensor): tf.Scalar; hard(student: Tensor): tf.Scalar };
}

export interface DistillLosses {
  /** Σ weight · term over the requested losses. */
  total: tf.Scalar;
  /** Every term unweighted, per layer and summed (see the file header for the names). */
  terms: Record<string, tf.Scalar>;
}

function pick(list: Tensor[], i: number, what: string): Tensor {
  const t = list[i];
  if (!t) throw new ShapeError(`distill: ${what} ${i} does not exist (the model returned ${list.length})`);
  return t;
}

/** [B, H, T, T] -> [B, T, T] when the recipe compares head-averaged maps. */
function heads(scores: Tensor, mapping: ResolvedMapping): Tensor {
  return mapping.attentionHeads === 'average' ? tf.mean(scores, 1) : scores; // [B, T, T]
}

function sum(terms: tf.Scalar[]): tf.Scalar {
  return (terms.length === 0 ? tf.scalar(0) : terms.length === 1 ? terms[0]!.clone() : tf.addN(terms)) as tf.Scalar;
}

/** Computes every requested term; see the file header for names and the reference relation. */
export function distillLosses(teacher: ModelOutput, student: ModelOutput, spec: DistillSpec): DistillLosses {
  const want = (name: LossName): boolean => spec.losses[name] !== undefined;
  const opts: LossOptions = {
    semantics: spec.semantics,
    mask: student.attentionMask,
    temperatureSquared: spec.temperatureSquared,
    outputMode: spec.outputMode,
  };
  const terms: Record<string, tf.Scalar> = {};
  const totals: Partial<Record<LossName, tf.Scalar>> = {};
  try {
    if (want('attention')) {
      if (spec.mapping.attention.length === 0) throw new RecipeError('losses.attention: the mapping has no attention pairs');
      const layers = spec.mapping.attention.map(({ student: s, teacher: t }) => {
        const term = tf.tidy(() =>
          attentionMse(
            heads(pick(student.attentionScores, s, 'student attention layer'), spec.mapping), // [B, H, T, T]
            heads(pick(teacher.attentionScores, t, 'teacher attention layer'), spec.mapping), // [B, H, T, T]
            opts,
          ),
        );
        terms[`attention.layer${s}`] = term;
        return term;
      });
      totals.attention = terms.attention = sum(layers);
    }
    if (want('embedding') || want('hidden')) {
      const proj = (s: number): Tensor => {
        const h = pick(student.hiddenStates, s, 'student hidden state'); // [B, T, Cs]
        return spec.projection ? spec.projection.apply(s, h) : h.clone(); // [B, T, Ct]
      };
      const rep = (s: number, t: number): tf.Scalar =>
        tf.tidy(() => representationMse(proj(s), pick(teacher.hiddenStates, t, 'teacher hidden state'), opts));
      if (want('embedding')) {
        const pair = spec.mapping.hidden.find((p) => p.student === 0);
        if (!pair) throw new RecipeError('losses.embedding: the hidden mapping has no pair for student hidden state 0');
        totals.embedding = terms.embedding = rep(pair.student, pair.teacher);
      }
      if (want('hidden')) {
        const pairs = spec.mapping.hidden.filter((p) => p.student > 0);
        if (pairs.length === 0) throw new RecipeError('losses.hidden: the hidden mapping has no pair for student states >= 1');
        const states = pairs.map(({ student: s, teacher: t }) => (terms[`hidden.state${s}`] = rep(s, t)));
        totals.hidden = terms.hidden = sum(states);
      }
    }
    if (want('prediction')) {
      if (!student.logits || !teacher.logits) throw new RecipeError('losses.prediction: both models need a task head (logits)');
      if (spec.temperature === undefined) throw new RecipeError('losses.prediction: needs the temperature');
      totals.prediction = terms.prediction = spec.taskLosses
        ? spec.taskLosses.prediction(student.logits, teacher.logits)
        : softCrossEntropy(student.logits, teacher.logits, { ...opts, temperature: spec.temperature });
    }
    if (want('hard')) {
      if (!student.logits) throw new RecipeError('losses.hard: the student has no task head (logits)');
      if (!spec.labels) throw new RecipeError('losses.hard: needs gold labels but the batch has none');
      totals.hard = terms.hard = spec.taskLosses ? spec.taskLosses.hard(student.logits) : hardLabelLoss(student.logits, spec.labels, opts);
    }
    const weighted = (Object.keys(totals) as LossName[]).map((n) => tf.mul(totals[n]!, spec.losses[n]!) as tf.Scalar);
    const total = tf.tidy(() => sum(weighted));
    weighted.forEach((w) => w.dispose());
    return { total, terms };
  } catch (e) {
    Object.values(terms).forEach((t) => t.dispose());
    throw e;
  }
}

/** Plain numbers for logging (one sync read per term). */
export function termValues(terms: Record<string, tf.Scalar>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, t] of Object.entries(terms)) out[name] = t.dataSync()[0]!;
  return out;
}

/** Disposes everything `distillLosses` returned. */
export function disposeLosses(losses: DistillLosses): void {
  losses.total.dispose();
  Object.values(losses.terms).forEach((t) => t.dispose());
}
