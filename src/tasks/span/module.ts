/**
 * Span extraction as a TaskModule: the parts of this folder behind the one interface the stage
 * runner, eval, predict and the browser loader use. Registering it is one line: `span`.
 *
 * An example is one question with its context; its features are `run_squad.py`'s windows; the
 * span head gives logits [B, T, 2] (start, end); the output of an example is its best answer with
 * score and n-best list, decoded over all its windows.
 */
import { tf, type Tensor } from '../../backend/tf.js';
import { hardLabelLoss, softCrossEntropy, type LossOptions } from '../../distill/losses.js';
import { DataError, ShapeError, show } from '../../errors.js';
import type { Batch, TaskModule } from '../task-module.js';
import { scoreSpans } from './cmrc-metric.js';
import { decodeSpans, type DecodeOptions, type SpanLogits, type SpanPrediction } from './decode.js';
import { spanFeatures, type SpanFeature } from './features.js';
import { predictionJson, predictionObject } from './predictions.js';
import type { SpanExample } from './squad.js';
import { readSpanFile, spanFormatSchema, spanTaskSchema, type SpanFormat, type SpanTask } from './task.js';

/** Label of a window that must not train the hard loss (hardLabelLoss skips labels < 0, as torch's ignore_index). */
const UNLABELLED = -100;
/** Logit given to padding positions before a softmax over the sequence: exp underflows to 0 at any temperature below 1e7. */
const PADDING_LOGIT = -1e9;

/** One window with the decoding settings of the config it was made with (decode receives no config). */
export type SpanWindow = SpanFeature & { decoding: DecodeOptions };

function stack(rows: readonly number[][], dtype: 'int32' | 'float32'): Tensor {
  return tf.tensor2d(rows as number[][], [rows.length, rows[0]?.length ?? 0], dtype); // [B, T]
}

/** Start and end logits [B, T] each from the span head's [B, T, 2]. */
function startEnd(logits: Tensor, what: string): [Tensor, Tensor] {
  if (logits.rank !== 3 || logits.shape[2] !== 2) throw new ShapeError(`span ${what}: expected logits [B, T, 2], got [${logits.shape}]`);
  const [start, end] = tf.unstack(logits, 2); // [B, T] each
  return [start, end];
}

/** Outputs must be those of the examples, in order: scoring and the prediction file key them by id. */
function checkOutputs(examples: readonly SpanExample[], outputs: readonly SpanPrediction[]): void {
  if (outputs.length !== examples.length) {
    throw new DataError(`span predictions: ${outputs.length} outputs for ${examples.length} questions; expected one per question`);
  }
  const i = outputs.findIndex((o, k) => o.id !== examples[k].id);
  if (i >= 0) throw new DataError(`span predictions: output ${i + 1} answers question ${show(outputs[i].id)}, expected ${show(examples[i].id)}`);
}

export const span: TaskModule<SpanTask, SpanExample, SpanWindow, SpanPrediction> = {
  kind: 'span',
  schema: spanTaskSchema,
  formats: spanFormatSchema.options,
  exportArchitecture: 'BertForQuestionAnswering',

  read: (file, format) => readSpanFile(file, format as SpanFormat).examples,
  // Span extraction has no label list: the head's two outputs are the start and end logits.
  labelsFrom: () => [],

  features(example, { config, tokenizer }) {
    const decoding = { n_best_size: config.n_best_size, max_answer_length: config.max_answer_length };
    return spanFeatures([example], tokenizer, config).features.map((f) => ({ ...f, decoding }));
  },

  collate(features): Batch {
    return {
      inputIds: stack(features.map((f) => f.inputIds), 'int32'), // [B, T]
      tokenTypeIds: stack(features.map((f) => f.tokenTypeIds), 'int32'), // [B, T]
      attentionMask: stack(features.map((f) => f.attentionMask), 'int32'), // [B, T]
      labels: stack(features.map((f) => (f.labelled ? [f.start, f.end] : [UNLABELLED, UNLABELLED])), 'int32'), // [B, 2]
      scoreMask: stack(features.map((f) => f.attentionMask), 'float32'), // [B, T]
    };
  },

  head: () => ({ head: 'span', numLabels: 2 }),

  // run_squad.py: (CE(start) + CE(end)) / 2, each a mean over the batch's labelled windows, over all
  // T positions (padding included, as there: the model learns to give it no weight).
  hardLoss: (logits, batch) =>
    tf.tidy(() => {
      const [start, end] = startEnd(logits, 'hard loss'); // [B, T] each
      const [startLabel, endLabel] = tf.unstack(batch.labels!, 1); // [B] each
      const opts: LossOptions = { semantics: 'reference', mask: batch.attentionMask };
      return tf.div(tf.add(hardLabelLoss(start, startLabel, opts), hardLabelLoss(end, endLabel, opts)), 2) as tf.Scalar;
    }),

  // Soft cross-entropy between the start distributions over the sequence and between the end
  // distributions, averaged; padding gets no probability on either side (masked out before the softmax).
  distillLoss: (student, teacher, batch, temperature) =>
    tf.tidy(() => {
      const keep = tf.greater(batch.scoreMask!, 0); // [B, T]
      const pad = (x: Tensor) => tf.where(keep, x, tf.fill(x.shape, PADDING_LOGIT)); // [B, T]
      const [sStart, sEnd] = startEnd(student, 'distillation loss'); // [B, T] each
      const [tStart, tEnd] = startEnd(teacher, 'distillation loss'); // [B, T] each
      // Positions are the classes: `masked` sums over them and averages over windows.
      const opts = { semantics: 'masked' as const, mask: batch.scoreMask!, temperature };
      const start = softCrossEntropy(pad(sStart), pad(tStart), opts);
      const end = softCrossEntropy(pad(sEnd), pad(tEnd), opts);
      return tf.div(tf.add(start, end), 2) as tf.Scalar;
    }),

  decode(example, features, logits) {
    if (logits.length !== features.length) {
      throw new ShapeError(`${features.length} windows but logits for ${logits.length}; expected one row per window`);
    }
    if (features.length === 0) throw new ShapeError(`question ${show(example.id)} has no windows; expected at least one`);
    const rows: SpanLogits[] = logits.map((l, i) => {
      const T = features[i].offsets.length;
      if (l.length !== 2 * T) throw new ShapeError(`window ${i}: ${l.length} logits, expected [T, 2] = ${2 * T}`);
      return { start: l.filter((_, k) => k % 2 === 0), end: l.filter((_, k) => k % 2 === 1) }; // [T] each
    });
    const windows = features.map((f) => (f.example === 0 ? f : { ...f, example: 0 }));
    return decodeSpans([example], windows, rows, features[0].decoding)[0];
  },

  // A question without a valid span (score null) counts as unanswered: 0, as the official scorer
  // scores a question missing from the prediction file.
  score(examples, outputs) {
    checkOutputs(examples, outputs);
    const s = scoreSpans(examples, predictionObject(outputs.filter((o) => o.score !== null)));
    return { em: s.em, f1: s.f1 };
  },

  predictionFile(examples, outputs) {
    checkOutputs(examples, outputs);
    return predictionJson(outputs);
  },
};
