/**
 * Span extraction as a TaskModule: the parts of this folder behind the one interface the stage
 * runner, eval, predict and the browser loader use (the inference part, browser-safe, is
 * inference.ts). Registering it is one line: `span`.
 *
 * An example is one question with its context; its features are `run_squad.py`'s windows; the
 * span head gives logits [B, T, 2] (start, end); the output of an example is its best answer with
 * score and n-best list, decoded over all its windows.
 */
import { tf, type Tensor } from '../../backend/tf.js';
import { hardLabelLoss, softCrossEntropy, type LossOptions } from '../../distill/losses.js';
import { DataError, ShapeError, show, UsageError } from '../../errors.js';
import { validate } from '../../util/validate.js';
import type { TaskModule } from '../task-module.js';
import { scoreSpans } from './cmrc-metric.js';
import type { SpanPrediction } from './decode.js';
import type { SpanFeature } from './features.js';
import { spanInference, spanInputConfig } from './inference.js';
import { predictionJson, predictionObject } from './predictions.js';
import type { SpanExample } from './squad.js';
import { readSpanFile, spanFormatFromPath, spanFormatSchema, spanTaskSchema, type SpanTask } from './task.js';

/** Logit given to padding positions before a softmax over the sequence: exp underflows to 0 at any temperature below 1e7. */
const PADDING_LOGIT = -1e9;

/** The metrics a stage may pick the best checkpoint by, the default first. */
const METRICS = ['f1', 'em'] as const;

/** Start and end logits [B, T] each from the span head's [B, T, 2]. */
function startEnd(logits: Tensor, what: string): [Tensor, Tensor] {
  if (logits.rank !== 3 || logits.shape[2] !== 2) throw new ShapeError(`span ${what}: expected logits [B, T, 2], got [${logits.shape}]`);
  const [start, end] = tf.unstack(logits, 2); // [B, T] each
  return [start!, end!];
}

/** Outputs must be those of the examples, in order: scoring and the prediction file key them by id. */
function checkOutputs(examples: readonly SpanExample[], outputs: readonly SpanPrediction[]): void {
  if (outputs.length !== examples.length) {
    throw new DataError(`span predictions: ${outputs.length} outputs for ${examples.length} questions; expected one per question`);
  }
  const i = outputs.findIndex((o, k) => o.id !== examples[k]!.id);
  if (i >= 0) throw new DataError(`span predictions: output ${i + 1} answers question ${show(outputs[i]!.id)}, expected ${show(examples[i]!.id)}`);
}

export const span: TaskModule<SpanTask, SpanExample, SpanFeature, SpanPrediction> = {
  ...spanInference,
  types: ['span'],
  schema: spanTaskSchema,
  formats: spanFormatSchema.options,

  metrics: () => METRICS,
  metricProblem: (_config, metric) =>
    (METRICS as readonly string[]).includes(metric) ? undefined : `${metric} does not apply to a span task; use ${METRICS.join(', ')}`,

  read: (file, config) => readSpanFile(file, config.format).examples,
  // Span extraction has no label list: the head's two outputs are the start and end logits.
  labelsFrom: () => [],

  // The schema's window and decoding settings; the format from --format or the file name (.json squad, .jsonl jsonl).
  fileConfig(file, opts, _model, labelled) {
    if (opts.labels !== undefined) throw new UsageError('--labels: a span model has no label list (its two outputs are the start and end logits); remove --labels');
    const format = opts.format ?? spanFormatFromPath(file);
    if (format === undefined && labelled) {
      throw new UsageError(`--format: cannot tell the format of ${file} from its name; give --format ${spanFormatSchema.options.join('|')}`);
    }
    // predict reads JSON lines {question, context} unless told otherwise.
    const raw = spanInputConfig(file, (format ?? 'jsonl') as SpanTask['format'], opts.maxSeqLength);
    return validate(spanTaskSchema, raw, file, UsageError);
  },
  readInputs(file, config) {
    const examples = readSpanFile(file, config.format).examples;
    if (examples.length === 0) throw new DataError(`${file}: no questions (empty input file)`);
    return examples;
  },

  // run_squad.py: (CE(start) + CE(end)) / 2, each a mean over the batch's labelled windows, over all
  // T positions (padding included, as there: the model learns to give it no weight).
  hardLoss: (logits, batch) =>
    tf.tidy(() => {
      const [start, end] = startEnd(logits, 'hard loss'); // [B, T] each
      const [startLabel, endLabel] = tf.unstack(batch.labels!, 1); // [B] each
      const opts: LossOptions = { semantics: 'reference', mask: batch.attentionMask };
      return tf.div(tf.add(hardLabelLoss(start, startLabel!, opts), hardLabelLoss(end, endLabel!, opts)), 2) as tf.Scalar;
    }),

  // Soft cross-entropy between the start distributions over the sequence and between the end
  // distributions, averaged; padding gets no probability on either side (masked out before the
  // softmax). Positions are the classes, so `masked` (sum over them, mean over windows) whatever the
  // stage's semantics: the reference has no span task to follow.
  distillLoss: (student, teacher, batch, _config, s) =>
    tf.tidy(() => {
      const keep = tf.greater(batch.scoreMask!, 0); // [B, T]
      const pad = (x: Tensor) => tf.where(keep, x, tf.fill(x.shape, PADDING_LOGIT)); // [B, T]
      const [sStart, sEnd] = startEnd(student, 'distillation loss'); // [B, T] each
      const [tStart, tEnd] = startEnd(teacher, 'distillation loss'); // [B, T] each
      const opts = { semantics: 'masked' as const, mask: batch.scoreMask!, temperature: s.temperature, temperatureSquared: s.temperatureSquared };
      const start = softCrossEntropy(pad(sStart), pad(tStart), opts);
      const end = softCrossEntropy(pad(sEnd), pad(tEnd), opts);
      return tf.div(tf.add(start, end), 2) as tf.Scalar;
    }),

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
