/**
 * Token classification as a TaskModule: the parts of this folder behind the one interface the
 * stage runner, eval, predict and the browser loader use. Registering it is one line:
 * `'token-classification': tokenClassification`.
 *
 * An example is a Sentence; a sentence to predict has no tags (`tags: []`). The output of an
 * example is one predicted tag per input token, merged over its windows.
 */
import { tf, type Tensor } from '../../backend/tf.js';
import { hardLabelLoss, softCrossEntropy } from '../../distill/losses.js';
import { ShapeError } from '../../errors.js';
import type { Batch, TaskModule } from '../task-module.js';
import { predictionLines } from './decode.js';
import { encodeTokens, mergeWindows, type TokenWindow } from './features.js';
import { nerFormatSchema, type NerFormat, type Sentence } from './formats.js';
import { scoreEntities } from './metrics.js';
import { labelList } from './tags.js';
import { readTaskFile, tokenClassificationTaskSchema, type TokenClassificationTask } from './task.js';

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

export const tokenClassification: TaskModule<TokenClassificationTask, Sentence, TokenWindow, string[]> = {
  kind: 'token-classification',
  schema: tokenClassificationTaskSchema,
  formats: nerFormatSchema.options,
  exportArchitecture: 'BertForTokenClassification',

  read: (file, format, config) => readTaskFile(file, { ...config, format: format as NerFormat }),
  labelsFrom: (examples) => labelList(examples.flatMap((s) => s.tags)),

  features(sentence, { config, tokenizer, labels }) {
    const ids = new Map(labels.map((l, i) => [l, i]));
    const labelIds = sentence.tags.length ? sentence.tags.map((t) => ids.get(t)!) : undefined;
    return encodeTokens(tokenizer, sentence.tokens, labelIds, { maxSeqLength: config.max_seq_length, stride: config.stride });
  },

  collate(features): Batch {
    return {
      inputIds: stack(features.map((f) => f.inputIds), 'int32'), // [B, T]
      tokenTypeIds: stack(features.map((f) => f.tokenTypeIds), 'int32'), // [B, T]
      attentionMask: stack(features.map((f) => f.attentionMask), 'int32'), // [B, T]
      labels: stack(features.map((f) => f.labelIds), 'int32'), // [B, T]
      scoreMask: stack(features.map((f) => f.tokenMask), 'float32'), // [B, T]
    };
  },

  head: (labels) => ({ head: 'token-classification', numLabels: labels.length }),

  // Positions with IGNORE_INDEX (other pieces, [CLS], [SEP], padding) are skipped by hardLabelLoss.
  hardLoss: (logits, batch) =>
    tf.tidy(() => hardLabelLoss(logits, batch.labels!, { semantics: 'masked', mask: batch.attentionMask.toFloat() })), // logits [B, T, K]

  distillLoss: (student, teacher, batch, temperature) =>
    softCrossEntropy(student, teacher, { semantics: 'masked', mask: batch.scoreMask!, temperature }), // [B, T, K] each

  decode(sentence, features, logits, labels) {
    if (logits.length !== features.length) {
      throw new ShapeError(`${features.length} windows but logits for ${logits.length}; expected one row per window`);
    }
    const perPosition = logits.map((l) => argmaxRows(l, labels.length)); // [windows][T]
    return mergeWindows(features, perPosition, sentence.tokens.length).map((id) => labels[id]);
  },

  score(examples, outputs) {
    const s = scoreEntities(
      examples.map((e) => e.tags),
      outputs,
    );
    const perType = Object.entries(s.perType).map(([type, p]) => [`f1_${type}`, p.f1] as const);
    return { precision: s.precision, recall: s.recall, f1: s.f1, accuracy: s.accuracy, ...Object.fromEntries(perType) };
  },

  predictionFile: (examples, outputs) => `${predictionLines(examples, outputs).join('\n')}\n`,
};
