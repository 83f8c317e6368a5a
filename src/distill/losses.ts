/**
 * TinyBERT distillation losses (Jiao et al. 2019, arXiv 1909.10351, §3.1 eqs. 7-10) as pure
 * functions over tensors, and the typed registry `LOSSES` whose keys form the recipe's enum.
 *
 * Two semantics:
 * - `reference`: exactly huawei-noah TinyBERT/task_distill.py. Attention scores <= -100 (masked
 *   keys: the reference adds (1 - mask) * -10000) are replaced by 0 in BOTH maps, then
 *   `MSELoss()` = mean over every element, padded rows included. Soft cross-entropy is
 *   `(-softmax(t/T) * log_softmax(s/T)).mean()`: mean over batch x classes, no T^2.
 * - `masked`: means over real tokens only (attention: real query x real key pairs), soft
 *   cross-entropy summed over classes and averaged over examples (or real tokens), optional T^2
 *   (Hinton et al. 2015, §2: keeps soft-target gradients on the hard-label scale).
 *
 * Letters: B batch, T tokens, H heads, C hidden, K classes. Every function returns a scalar and
 * leaves no intermediate tensors behind (each body runs in tf.tidy).
 */
import { z } from 'zod';
import { tf, type Tensor } from '../backend/tf.js';
import { RecipeError, ShapeError } from '../errors.js';

export const semanticsSchema = z
  .enum(['reference', 'masked'])
  .describe('reference: exactly task_distill.py (means include padding); masked: means over real tokens only');
export type Semantics = z.infer<typeof semanticsSchema>;

export const outputModeSchema = z
  .enum(['classification', 'regression'])
  .describe('classification: soft/hard cross-entropy; regression: MSE on the single logit (reference)');
export type OutputMode = z.infer<typeof outputModeSchema>;

/** Settings every loss receives; each loss reads the fields it needs. */
export interface LossOptions {
  semantics: Semantics;
  /** [B, T] float 1/0: the attention mask the batch was run with (read by `masked` semantics). */
  mask: Tensor;
  /** Multiply the soft cross-entropy by T^2 (masked semantics only). */
  temperatureSquared?: boolean;
  /** Default classification. */
  outputMode?: OutputMode;
}

/** The reference's threshold for "this score belongs to a masked key" (task_distill.py: `<= -1e2`). */
export const MASKED_SCORE_THRESHOLD = -100;

function sameShape(loss: string, a: Tensor, b: Tensor, aName: string, bName: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(`${loss}: ${aName} has shape [${a.shape}] but ${bName} has shape [${b.shape}]`);
  }
}

/** The mask must be [B, T] with B = x.shape[0] and T = x.shape[tokenAxis]. */
function checkMask(loss: string, mask: Tensor, x: Tensor, tokenAxis: number): void {
  const [B, T] = mask.shape;
  if (mask.rank !== 2 || x.shape[0] !== B || x.shape[tokenAxis] !== T) {
    throw new ShapeError(`${loss}: attention mask [${mask.shape}] does not match input [${x.shape}] (expected [B, T])`);
  }
}

/**
 * MSE between hidden representations (embedding output or a layer output), TinyBERT eqs. 8-9.
 * student: [B, T, C] already projected to the teacher's width; teacher: [B, T, C].
 */
export function representationMse(student: Tensor, teacher: Tensor, opts: LossOptions): tf.Scalar {
  sameShape('hidden-state MSE', student, teacher, 'projected student state', 'teacher state');
  if (student.rank !== 3) throw new ShapeError(`hidden-state MSE: expected [B, T, C], got [${student.shape}]`);
  return tf.tidy(() => {
    const sq = tf.squaredDifference(student, teacher); // [B, T, C]
    if (opts.semantics === 'reference') return tf.mean(sq) as tf.Scalar;
    checkMask('hidden-state MSE', opts.mask, sq, 1);
    const m = opts.mask.expandDims(2); // [B, T, 1]
    const C = student.shape[2] as number;
    return tf.div(tf.sum(tf.mul(sq, m)), tf.mul(tf.sum(opts.mask), C)) as tf.Scalar;
  });
}

/**
 * `torch.where(x <= -1e2, 0, x)`: forward as the reference, gradient dy where kept and 0 where
 * zeroed. A custom gradient because tfjs has no gradient for the comparison feeding `where`.
 */
const zeroMaskedScores = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as Tensor;
  const save = args[1] as tf.GradSaveFunc;
  const keep = tf.greater(x, MASKED_SCORE_THRESHOLD); // [B, H, T, T] bool
  save([keep]);
  return {
    value: tf.where(keep, x, tf.zerosLike(x)),
    gradFunc: (dy: Tensor, saved: Tensor[]) => tf.mul(dy, tf.cast(saved[0]!, dy.dtype)),
  };
}) as (x: Tensor) => Tensor;

/**
 * MSE between pre-softmax attention scores, TinyBERT eq. 7.
 * student, teacher: [B, H, T, T] (or [B, T, T] once averaged over heads), with the additive mask
 * already applied (entries of padded keys ~ -10000).
 */
export function attentionMse(student: Tensor, teacher: Tensor, opts: LossOptions): tf.Scalar {
  sameShape('attention MSE', student, teacher, 'student scores', 'teacher scores');
  if (student.rank !== 4 && student.rank !== 3) {
    throw new ShapeError(`attention MSE: expected [B, H, T, T] or [B, T, T], got [${student.shape}]`);
  }
  return tf.tidy(() => {
    if (opts.semantics === 'reference') {
      // task_distill.py: torch.where(att <= -1e2, 0, att) on both sides, then MSELoss (mean).
      return tf.mean(tf.squaredDifference(zeroMaskedScores(student), zeroMaskedScores(teacher))) as tf.Scalar;
    }
    checkMask('attention MSE', opts.mask, student, student.rank - 1);
    const pairs = tf.mul(opts.mask.expandDims(2), opts.mask.expandDims(1)); // [B, T, T] real q x real k
    const pm = student.rank === 4 ? pairs.expandDims(1) : pairs; // [B, 1, T, T]
    const keep = tf.greater(tf.broadcastTo(pm, student.shape), 0); // [B, H, T, T]
    // Select before squaring so -inf / finfo.min masks cannot turn into NaN through 0 * inf.
    const s = tf.where(keep, student, tf.zerosLike(student));
    const t = tf.where(keep, teacher, tf.zerosLike(teacher));
    const H = student.rank === 4 ? (student.shape[1] as number) : 1;
    return tf.div(tf.sum(tf.squaredDifference(s, t)), tf.mul(tf.sum(pairs), H)) as tf.Scalar;
  });
}

/** Mean of per-position values [B] or [B, T] over real positions (masked semantics). */
function maskedMean(perPosition: Tensor, mask: Tensor, loss: string): tf.Scalar {
  if (perPosition.rank === 1) return tf.mean(perPosition) as tf.Scalar;
  checkMask(loss, mask, perPosition, 1);
  return tf.div(tf.sum(tf.mul(perPosition, mask)), tf.sum(mask)) as tf.Scalar;
}

/** Options of the prediction loss: its softmax temperature (> 0), the recipe's resolved value (no default here). */
export type PredictionOptions = LossOptions & { temperature: number };

/**
 * Prediction-layer distillation, TinyBERT eq. 10: soft cross-entropy at temperature T.
 * student, teacher: [B, K] (sequence) or [B, T, K] (token) logits. Regression (reference):
 * MSE between the flattened logits.
 */
export function softCrossEntropy(student: Tensor, teacher: Tensor, opts: PredictionOptions): tf.Scalar {
  sameShape('prediction loss', student, teacher, 'student logits', 'teacher logits');
  // Reference semantics return before the T^2 factor: asking for both would be ignored silently.
  if (opts.temperatureSquared && opts.semantics === 'reference') {
    throw new RecipeError('temperature_squared: the reference semantics have no T^2 factor; use semantics "masked"');
  }
  const T = opts.temperature;
  return tf.tidy(() => {
    if (opts.outputMode === 'regression') {
      return tf.mean(tf.squaredDifference(student.flatten(), teacher.flatten())) as tf.Scalar;
    }
    const logP = tf.logSoftmax(tf.div(student, T)); // [B, (T,) K]
    const q = tf.softmax(tf.div(teacher, T)); // [B, (T,) K]
    const ce = tf.neg(tf.mul(q, logP)); // [B, (T,) K]
    if (opts.semantics === 'reference') return tf.mean(ce) as tf.Scalar;
    const perPosition = tf.sum(ce, -1); // [B] or [B, T]
    const loss = maskedMean(perPosition, opts.mask, 'prediction loss');
    return (opts.temperatureSquared ? tf.mul(loss, T * T) : loss) as tf.Scalar;
  });
}

/**
 * Hard-label loss: cross-entropy against gold labels (labels < 0 are ignored, as torch's
 * `ignore_index=-100`), or MSE for regression (reference: MSELoss(logits.view(-1), labels.view(-1))).
 * logits: [B, K] with labels [B] int32, or [B, T, K] with labels [B, T]; regression: [B, 1] / [B]
 * with float labels [B]. Reference: mean over non-ignored labels; masked: also skips padding tokens.
 */
export function hardLabelLoss(logits: Tensor, labels: Tensor, opts: LossOptions): tf.Scalar {
  return tf.tidy(() => {
    if (opts.outputMode === 'regression') {
      const s = logits.flatten(); // [B]
      const y = labels.flatten().toFloat(); // [B]
      if (s.size !== y.size) throw new ShapeError(`hard loss: ${s.size} regression outputs but ${y.size} labels`);
      return tf.mean(tf.squaredDifference(s, y)) as tf.Scalar;
    }
    const K = logits.shape[logits.rank - 1];
    if (labels.rank !== logits.rank - 1 || labels.shape.some((d, i) => d !== logits.shape[i])) {
      throw new ShapeError(`hard loss: logits [${logits.shape}] need labels [${logits.shape.slice(0, -1)}], got [${labels.shape}]`);
    }
    const y = labels.toInt(); // [B] or [B, T]
    const valid = tf.greaterEqual(y, 0).toFloat(); // [B] or [B, T]
    const oneHot = tf.oneHot(tf.maximum(y, tf.scalar(0, 'int32')), K); // [B, (T,) K]
    const nll = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), -1)); // [B] or [B, T]
    let w = valid;
    if (opts.semantics === 'masked' && y.rank === 2) {
      checkMask('hard loss', opts.mask, y, 1);
      w = tf.mul(w, opts.mask);
    }
    // max(count, 1): a batch without any labelled position contributes 0 instead of 0/0.
    return tf.div(tf.sum(tf.mul(nll, w)), tf.maximum(tf.sum(w), 1)) as tf.Scalar;
  });
}

/** What a registry entry compares: student tensor vs teacher tensor (or gold labels for `hard`). */
export interface LossDefinition {
  description: string;
  /** The student tensor, and the teacher tensor or labels; see each function for shapes. */
  compute(student: Tensor, target: Tensor, opts: LossOptions): tf.Scalar;
}

export const lossNameSchema = z
  .enum(['embedding', 'hidden', 'attention', 'prediction', 'hard'])
  .describe('a distillation loss term: embedding, hidden, attention, prediction (soft CE) or hard (gold labels)');
export type LossName = z.infer<typeof lossNameSchema>;

/** The registry; its keys are exactly `lossNameSchema`'s options (checked by the type). */
export const LOSSES: Readonly<Record<LossName, LossDefinition>> = {
  embedding: { description: 'MSE(W_e E_student, E_teacher): hidden state 0 (eq. 9)', compute: representationMse },
  hidden: { description: 'MSE(W_h H_student_m, H_teacher_g(m)) for m >= 1 (eq. 8)', compute: representationMse },
  attention: { description: 'MSE of pre-softmax attention scores (eq. 7)', compute: attentionMse },
  prediction: { description: 'soft cross-entropy at temperature T (eq. 10)', compute: softCrossEntropy },
  hard: { description: 'cross-entropy (MSE for regression) against gold labels', compute: hardLabelLoss },
};
