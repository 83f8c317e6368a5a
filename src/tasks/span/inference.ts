/**
 * The inference part of the span module (browser-safe: nothing here reads files): `run_squad.py`'s
 * windows of [CLS] question [SEP] context [SEP], the span head's start and end logits [T, 2] per
 * window, and n-best decoding over all windows of a question into its answer with character offsets.
 *
 * An example is a question with its context; one to predict has no answers.
 */
import { tf, type Tensor } from '../../backend/tf.js';
import { DataError, ShapeError, show } from '../../errors.js';
import type { Batch, TaskInference } from '../task-module.js';
import { decodeSpans, type SpanLogits, type SpanPrediction } from './decode.js';
import { spanFeatures, type SpanFeature } from './features.js';
import { spanOptionsSchema } from './options.js';
import type { SpanExample } from './squad.js';
import type { SpanFormat, SpanTask } from './task.js';

/** Label of a window that must not train the hard loss (hardLabelLoss skips labels < 0, as torch's ignore_index). */
const UNLABELLED = -100;

function stack(rows: readonly number[][], dtype: 'int32' | 'float32'): Tensor {
  return tf.tensor2d(rows as number[][], [rows.length, rows[0]?.length ?? 0], dtype); // [B, T]
}

/**
 * The config of a file or of raw texts read with windows of `maxSeqLength` positions: the schema's
 * window and decoding defaults, the question cut to at most half the room so a short window still
 * holds context (the recipe schema refuses such a max_query_length instead).
 */
export function spanInputConfig(train: string, format: SpanFormat, maxSeqLength: number): SpanTask {
  const defaults = spanOptionsSchema.parse({});
  const maxQuery = Math.max(1, Math.min(defaults.max_query_length, Math.floor((maxSeqLength - 3) / 2)));
  return { type: 'span', format, train, max_seq_length: maxSeqLength, ...defaults, max_query_length: maxQuery };
}

export const spanInference: TaskInference<SpanTask, SpanExample, SpanFeature, SpanPrediction> = {
  kind: 'span',
  modelHead: 'span',
  exportArchitecture: 'BertForQuestionAnswering',
  inferenceSettings: ['doc_stride', 'max_query_length', 'max_answer_length', 'n_best_size'],

  // No label list: the head's two outputs are the start and end logits.
  labelsOf: () => [],
  textConfig: (maxSeqLength) => spanInputConfig('', 'jsonl', maxSeqLength),
  textExample(input) {
    if (typeof input === 'string') throw new DataError(`a span model answers a question about a context; got the single text ${show(input, 60)}, expected [question, context]`);
    return { id: 'text', question: input[0], context: input[1], answers: [], gold: [] };
  },

  features: (example, { config, tokenizer, maxSeqLength }) => spanFeatures([example], tokenizer, { ...config, max_seq_length: maxSeqLength }).features,

  // Windows come padded to max_seq_length (fixed padding), so decoding reads [T, 2] per window.
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

  decode(example, features, logits, _labels, config) {
    if (logits.length !== features.length) {
      throw new ShapeError(`${features.length} windows but logits for ${logits.length}; expected one row per window`);
    }
    if (features.length === 0) throw new ShapeError(`question ${show(example.id)} has no windows; expected at least one`);
    const rows: SpanLogits[] = logits.map((l, i) => {
      const T = features[i]!.offsets.length;
      if (l.length !== 2 * T) throw new ShapeError(`window ${i}: ${l.length} logits, expected [T, 2] = ${2 * T}`);
      return { start: l.filter((_, k) => k % 2 === 0), end: l.filter((_, k) => k % 2 === 1) }; // [T] each
    });
    // The features of one example all name it as example 0.
    return decodeSpans([example], [...features], rows, config)[0]!;
  },

  // The answer with its character offsets in the context; an unanswered question has null ones.
  predictionRecord: (example, output) => {
    const best = output.nbest[0];
    return { id: example.id, question: example.question, answer: output.text, score: output.score, start: best?.chars[0] ?? null, end: best?.chars[1] ?? null };
  },
};
