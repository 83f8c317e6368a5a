/**
 * The one record every model forward returns; the distiller reads only this, never model internals.
 * Letters: B batch, T tokens, H heads, C hidden, V vocab, L layers, K labels.
 */
import type { Tensor } from '../backend/tf.js';

export interface ModelOutput {
  /** L+1 tensors [B, T, C]: embedding output first, then each layer's output. */
  hiddenStates: Tensor[];
  /**
   * L tensors [B, H, T, T]: pre-softmax scores exactly as the references return them:
   * (q·k (+ q·A_rel for NEZHA)) / sqrt(D) + (1 - mask) * -10000.
   */
  attentionScores: Tensor[];
  /** [B, C]: tanh(dense(hidden[CLS])) — undefined when the model has no pooler. */
  pooledOutput?: Tensor;
  /** Head output: [B, K] sequence classification, [B, T, K] tokens, [B, T, 2] spans, [B, T, V] MLM. */
  logits?: Tensor;
  /** [B, 2] next-sentence logits of a pre-training head. */
  seqRelationshipLogits?: Tensor;
  /** [B, T] float 1/0 mask the batch was run with (for masked loss semantics). */
  attentionMask: Tensor;
}
