/**
 * The inference part of the token-classification module (browser-safe): windows of word pieces
 * with each token's first piece marked, per-position argmax merged over windows into one tag per
 * input token, and entities with character offsets for users.
 *
 * An example is a Sentence; a sentence to predict has no tags (`tags: []`).
 */
import { tf, type Tensor } from '../../backend/tf.js';
import { ShapeError } from '../../errors.js';
import type { Batch, TaskInference } from '../task-module.js';
import { decodeEntities } from './decode.js';
import { encodeTokens, mergeWindows, type TokenWindow } from './features.js';
import type { Sentence } from './formats.js';
import type { TokenClassificationTask } from './task.js';
import { charTokens } from './text.js';

function stack(rows: readonly number[][], dtype: 'int32' | 'float32'): Tensor {
  return tf.tensor2d(rows as number[][], [rows.length, rows[0]?.length ?? 0], dtype); // [B, T]
}

/** Index of the largest of `k` logits at each position of one window. */
function argmaxRows(logits: Float32Array, k: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < logits.length; p += k) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[p + j] > logits[p + best]) best = j;
    out.push(best);
  }
  return out;
}

/** Windows half the positions apart: every token sits well inside one of them. */
export const defaultStride = (maxSeqLength: number): number => Math.max(1, Math.floor((maxSeqLength - 2) / 2));

export const tokenClassificationInference: TaskInference<TokenClassificationTask, Sentence, TokenWindow, string[]> = {
  kind: 'token-classification',
  modelHead: 'token-classification',
  exportArchitecture: 'BertForTokenClassification',
  inferenceSettings: ['stride'],

  labelsOf: (config) => config.labels,
  textConfig: (maxSeqLength, model) => ({
    type: 'token-classification',
    format: 'conll',
    train: '',
    tag_column: -1,
    labels: [...model.labels],
    max_seq_length: maxSeqLength,
    stride: defaultStride(maxSeqLength),
  }),
  // One token per character; a pair has no meaning here, its first text is labelled.
  textExample: (input) => ({ ...charTokens(typeof input === 'string' ? input : input[0]), tags: [], source: 'text' }),

  features(sentence, { config, tokenizer, labels, maxSeqLength }) {
    const ids = new Map(labels.map((l, i) => [l, i]));
    const labelIds = sentence.tags.length ? sentence.tags.map((t) => ids.get(t)!) : undefined;
    return encodeTokens(tokenizer, sentence.tokens, labelIds, { maxSeqLength, stride: Math.min(config.stride, maxSeqLength - 2) });
  },

  // Windows come padded to max_seq_length (fixed padding).
  collate(features): Batch {
    return {
      inputIds: stack(features.map((f) => f.inputIds), 'int32'), // [B, T]
      tokenTypeIds: stack(features.map((f) => f.tokenTypeIds), 'int32'), // [B, T]
      attentionMask: stack(features.map((f) => f.attentionMask), 'int32'), // [B, T]
      labels: stack(features.map((f) => f.labelIds), 'int32'), // [B, T]
      scoreMask: stack(features.map((f) => f.tokenMask), 'float32'), // [B, T]
    };
  },

  head: (_config, labels) => ({ head: 'token-classification', numLabels: labels.length }),

  decode(sentence, features, logits, labels) {
    if (logits.length !== features.length) {
      throw new ShapeError(`${features.length} windows but logits for ${logits.length}; expected one row per window`);
    }
    const perPosition = logits.map((l) => argmaxRows(l, labels.length)); // [windows][T]
    return mergeWindows(features, perPosition, sentence.tokens.length).map((id) => labels[id]);
  },
  predictionRecord: (sentence, tags) => ({ text: sentence.text, entities: decodeEntities(sentence, tags) }),
};
