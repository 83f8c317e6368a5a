/**
 * Inference on a finished model — an exported student, a training checkpoint or a run directory:
 * `evaluateModelDir` scores a labelled file (every metric the task kind reports, and optionally the
 * prediction file), `predictModelDir` labels raw inputs. The model's head selects the task module
 * (src/tasks/registry.ts) and its id2label the label names, so an exported student needs nothing
 * but its own directory; both go through the one inference path (src/tasks/infer.ts). Data files
 * are read as a recipe task reads them (format, header, columns, skip_labels, label_aliases). A
 * model whose weights hold NaN or Inf is refused: its logits would be NaN and argmax would still
 * name a class.
 */
import { doLowerCase, resolveExportSource } from '../checkpoint/export.js';
import { assertFiniteWeights } from '../checkpoint/finite.js';
import { loadModelDir } from '../checkpoint/model-dir.js';
import { DataError, UsageError } from '../errors.js';
import type { BertModel } from '../model/bert.js';
import { inferExamples, evaluateExamples, type TaskSetup } from '../tasks/infer.js';
import { moduleForHead, TASK_HEADS } from '../tasks/registry.js';
import { applySettings, inferenceLength } from '../tasks/settings.js';
import type { AnyTaskModule, FileOptions } from '../tasks/task-module.js';
import { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import { writeTextAtomic } from '../util/fs.js';

export { readPredictInputs } from '../tasks/classification/files.js';
/** Where the texts are in a data file: a recipe task's format, header and columns. */
export type DataColumns = Pick<FileOptions, 'format' | 'header' | 'textA' | 'textB' | 'names'>;

export interface InferenceOptions {
  /**
   * Tokens per example (or window) including [CLS]/[SEP] (default: the length the model was trained
   * with, recorded in its config's task_settings, else 128; capped by the model's positions).
   */
  maxSeqLength?: number;
  /** Examples per forward pass (default 32). */
  batchSize?: number;
}

export interface EvaluateOptions extends InferenceOptions, FileOptions {
  /** Labelled data file in a format of the model's task kind. */
  data: string;
  /** Write the prediction file here (one label per line; conlleval lines for token classification). */
  predictions?: string;
}

export interface EvaluationResult {
  dir: string;
  data: string;
  examples: number;
  labels: string[];
  /** Every metric the task kind reports, as fractions. */
  metrics: Record<string, number>;
  /** confusion[gold][predicted] counts (classification only). */
  confusion?: number[][];
  /** Where the prediction file was written. */
  predictions?: string;
}

export interface PredictOptions extends InferenceOptions, FileOptions {
  /**
   * Classification: a text file (one example per line, `text_a<TAB>text_b` for pairs) or JSONL
   * `{text_a, text_b}`; token classification: one sentence per line. With any data option, a
   * data file read as eval reads it (labels ignored).
   */
  input: string;
}

/** One prediction of a classification model; other kinds give their own records (see predictModelDir). */
export interface Prediction {
  text_a: string;
  text_b?: string;
  /** Predicted label name and its probability (classification). */
  label?: string;
  score: number;
  probabilities?: Record<string, number>;
}

interface Predictor {
  dir: string;
  model: BertModel;
  tokenizer: BertTokenizer;
  module: AnyTaskModule;
  labels: string[];
}

/** Loads the model and tokenizer of DIR (a model directory or a run directory) and the module of its head. */
function openPredictor(dir: string): Predictor {
  const { modelDir } = resolveExportSource(dir);
  const { model, vocabPath } = loadModelDir(modelDir);
  try {
    const module = moduleForHead(model.config.head);
    if (!module) {
      throw new UsageError(`${modelDir}: eval/predict need a task model (head ${TASK_HEADS.join(', ')}), this one has head "${model.config.head}"`);
    }
    assertFiniteWeights(modelDir, model.params);
    if (!vocabPath) throw new DataError(`${modelDir}: no vocab.txt (the tokenizer needs the model's word-piece vocabulary)`);
    const tokenizer = BertTokenizer.fromVocabFile(vocabPath, { doLowerCase: doLowerCase(modelDir) ?? true });
    return { dir: modelDir, model, tokenizer, module, labels: defaultLabels(model) };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * The config's label names; a config without id2label gets LABEL_0.. from the parser, which no data
 * file uses, so then the class ids themselves ("0", "1", …) are the names, as in CLUE files.
 */
function defaultLabels(model: BertModel): string[] {
  const l = model.config.labels;
  return l.every((name, i) => name === `LABEL_${i}`) ? l.map((_, i) => String(i)) : l;
}

function checkBatchSize(n: number | undefined): number {
  const b = n ?? 32;
  if (!Number.isInteger(b) || b < 1) throw new UsageError(`--batch-size must be a positive integer, got ${n}`);
  return b;
}

/** The task of a file for this model: its module's config from the flags, labels and sequence length. */
function fileTask(p: Predictor, file: string, opts: InferenceOptions & FileOptions, labelled: boolean): TaskSetup {
  const c = p.model.config;
  const maxSeqLength = inferenceLength(c, opts.maxSeqLength);
  if (!(maxSeqLength >= 3)) throw new UsageError(`--max-seq-length must be at least 3, got ${opts.maxSeqLength}`);
  if (opts.format !== undefined && !p.module.formats.includes(opts.format)) {
    throw new UsageError(`--format ${opts.format}: a ${c.head} model reads ${p.module.formats.join(', ')}`);
  }
  const config = applySettings(p.module, p.module.fileConfig(file, { ...opts, maxSeqLength }, { numLabels: c.numLabels, labels: p.labels }, labelled), c.taskSettings, maxSeqLength);
  const labels = p.module.labelsOf(config) ?? p.labels;
  return { module: p.module, config, labels, tokenizer: p.tokenizer, maxSeqLength };
}

/** Scores a labelled file with every metric that applies to the model's task. */
export async function evaluateModelDir(dir: string, opts: EvaluateOptions): Promise<EvaluationResult> {
  const batchSize = checkBatchSize(opts.batchSize);
  const p = openPredictor(dir);
  try {
    const task = fileTask(p, opts.data, opts, true);
    const examples = p.module.read(opts.data, task.config, { labelled: true, labels: task.labels, names: opts.names });
    if (examples.length === 0) throw new DataError(`${opts.data}: no examples`);
    const { outputs, scores } = evaluateExamples(p.model, task, examples, batchSize);
    const { examples: n, ...metrics } = scores;
    const result: EvaluationResult = { dir: p.dir, data: opts.data, examples: n!, labels: [...task.labels], metrics };
    const confusion = p.module.confusion?.(examples, outputs, task.labels, task.config);
    if (confusion) result.confusion = confusion;
    if (opts.predictions !== undefined) {
      writeTextAtomic(opts.predictions, p.module.predictionFile(examples, outputs));
      result.predictions = opts.predictions;
    }
    return result;
  } finally {
    p.model.dispose();
  }
}

/**
 * Labels every input. A classification model gives `Prediction`s (the most probable label, its
 * probability and all probabilities); other kinds give their module's records, e.g. token
 * classification `{text, entities: [{type, start, end, text}]}` with character offsets.
 */
export async function predictModelDir<P = Prediction>(dir: string, opts: PredictOptions): Promise<P[]> {
  const batchSize = checkBatchSize(opts.batchSize);
  const p = openPredictor(dir);
  try {
    const task = fileTask(p, opts.input, opts, false);
    const inputs = p.module.readInputs(opts.input, task.config, opts);
    const outputs = inferExamples(p.model, task, inputs, batchSize);
    return inputs.map((e, i) => p.module.predictionRecord(e, outputs[i]) as P);
  } finally {
    p.model.dispose();
  }
}
