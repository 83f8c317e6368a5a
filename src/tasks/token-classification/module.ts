/**
 * Token classification as a TaskModule: the parts of this folder behind the one interface the
 * stage runner, eval, predict and the browser loader use (the inference part, browser-safe, is
 * inference.ts). Registering it is one line: `'token-classification': tokenClassification`.
 *
 * The output of an example is one predicted tag per input token, merged over its windows.
 */
import { tf } from '../../backend/tf.js';
import { hardLabelLoss, softCrossEntropy } from '../../distill/losses.js';
import { DataError, UsageError } from '../../errors.js';
import { readText } from '../../data/rows.js';
import { validate } from '../../util/validate.js';
import type { TaskModule } from '../task-module.js';
import { predictionLines } from './decode.js';
import type { TokenWindow } from './features.js';
import { charTokens, nerFormatFromPath, nerFormatSchema, type Sentence } from './formats.js';
import { defaultStride, tokenClassificationInference } from './inference.js';
import { scoreEntities } from './metrics.js';
import { labelList } from './tags.js';
import { readTaskFile, tokenClassificationTaskSchema, type TokenClassificationTask } from './task.js';

/** The metrics a stage may pick the best checkpoint by; per-type F1 (`f1_PER`, …) are reported too. */
const METRICS = ['f1', 'precision', 'recall', 'accuracy'] as const;

export const tokenClassification: TaskModule<TokenClassificationTask, Sentence, TokenWindow, string[]> = {
  ...tokenClassificationInference,
  types: ['token-classification'],
  schema: tokenClassificationTaskSchema,
  formats: nerFormatSchema.options,

  metrics: () => METRICS,
  metricProblem: (_config, metric) =>
    (METRICS as readonly string[]).includes(metric) ? undefined : `${metric} does not apply to a token-classification task; use ${METRICS.join(', ')}`,

  read: (file, config, { labels }) => readTaskFile(file, config, labels && [...labels]),

  // The model's tags (or --labels); windows of half the positions apart.
  fileConfig(file, opts, model, labelled) {
    const labels = [...(opts.labels ?? model.labels)];
    if (labels.length !== model.numLabels) throw new UsageError(`--labels: ${labels.length} tags given but the model has ${model.numLabels} outputs`);
    const stride = defaultStride(opts.maxSeqLength);
    if (opts.format === undefined && !nerFormatFromPath(file) && labelled) {
      throw new UsageError(`--format: cannot tell the format of ${file} from its name; give --format ${nerFormatSchema.options.join('|')}`);
    }
    // predict's free text (no --format) is read line by line; the format is then not used.
    const format = opts.format ?? nerFormatFromPath(file) ?? 'conll';
    const raw = { type: 'token-classification', train: file, format, labels, max_seq_length: opts.maxSeqLength, stride };
    return validate(tokenClassificationTaskSchema, raw, file, UsageError);
  },
  // Free text: one sentence per non-blank line, one token per character; with --format, a data file (its tags ignored).
  readInputs(file, config, opts) {
    const sentences =
      opts.format === undefined
        ? readText(file)
            .split('\n')
            .map((line, i) => ({ line: line.replace(/\r$/, ''), i }))
            .filter(({ line }) => line.trim() !== '')
            .map(({ line, i }) => ({ ...charTokens(line), tags: [], source: `${file}:${i + 1}` }))
        : readTaskFile(file, { ...config, labels: undefined }).map((s) => ({ ...s, tags: [] }));
    if (sentences.length === 0) throw new DataError(`${file}: no examples (empty input file)`);
    return sentences;
  },
  labelsFrom: (examples) => labelList(examples.flatMap((s) => s.tags)),

  // Positions with IGNORE_INDEX (other pieces, [CLS], [SEP], padding) are skipped by hardLabelLoss.
  hardLoss: (logits, batch) =>
    tf.tidy(() => hardLabelLoss(logits, batch.labels!, { semantics: 'masked', mask: batch.attentionMask.toFloat() })), // logits [B, T, K]

  // Averaged over first pieces whatever the stage's semantics: the reference has no token task to follow.
  distillLoss: (student, teacher, batch, _config, s) =>
    softCrossEntropy(student, teacher, { semantics: 'masked', mask: batch.scoreMask!, temperature: s.temperature, temperatureSquared: s.temperatureSquared }), // [B, T, K] each

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
