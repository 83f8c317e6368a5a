/**
 * Task heads over the encoder output: sequence classification (single and pair), token
 * classification, span extraction (start/end logits) and masked LM (transform + decoder tied to
 * the word embeddings + bias), with the pre-training NSP head for released NEZHA checkpoints.
 */
import { tf, type Tensor } from '../backend/tf.js';
import type { ModelConfig } from './config.js';
import { activation, layerNorm, linear, param, type Params } from './ops.js';

export interface HeadOutput {
  logits?: Tensor;
  /** NSP logits [B, 2] of a pre-training head. */
  seqRelationshipLogits?: Tensor;
}

/** The head of `c.head` over the encoder output, reading its weights from the model's `p`. */
export function applyHead(
  c: ModelConfig,
  p: Params,
  hidden: Tensor, // [B, T, C]
  pooled: Tensor, // [B, C]
  drop: (x: Tensor, rate: number) => Tensor,
): HeadOutput {
  switch (c.head) {
    case 'classification': {
      // TinyBERT's reference classifier reads relu(pooled); NEZHA / Hugging Face read pooled.
      const x = c.classifierRelu ? tf.relu(pooled) : pooled;
      return { logits: linear(p, 'classifier', drop(x, c.hiddenDropout)) }; // [B, K]
    }
    case 'token-classification':
      return { logits: linear(p, 'classifier', drop(hidden, c.hiddenDropout)) }; // [B, T, K]
    case 'span':
      return { logits: linear(p, 'qa_outputs', hidden) }; // [B, T, 2]
    case 'mlm':
    case 'pretraining': {
      let t = activation(c.hiddenAct, linear(p, 'cls.predictions.transform.dense', hidden)); // [B, T, C]
      t = layerNorm(p, 'cls.predictions.transform.LayerNorm', t, c.layerNormEps);
      const [B, T, C] = t.shape as [number, number, number];
      const table = param(p, 'bert.embeddings.word_embeddings.weight'); // [V, C]
      const logits = tf
        .add(tf.matMul(t.reshape([B * T, C]), table, false, true), param(p, 'cls.predictions.bias'))
        .reshape([B, T, c.vocabSize]); // [B, T, V]
      if (c.head === 'mlm') return { logits };
      return { logits, seqRelationshipLogits: linear(p, 'cls.seq_relationship', pooled) }; // [B, 2]
    }
    case 'none':
      return {};
  }
}
