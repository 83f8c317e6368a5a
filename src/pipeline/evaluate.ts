/**
 * Inference on a finished model — an exported student, a training checkpoint or a run directory:
 * `evaluateModelDir` scores a labelled file (every metric that applies), `predictModelDir` labels
 * raw texts. Label names default to the model config's id2label, so an exported student needs
 * nothing but its own directory. Data files are read as a recipe task reads them (format, header,
 * columns, skip_labels, label_aliases). A model whose weights hold NaN or Inf is refused: its logits
 * would be NaN and argmax would still name a class. Batches are padded to their longest example
 * (dynamic padding); padding does not change a classifier's logits, so results equal fixed-length
 * batching.
 */
import { tf } from '../backend/tf.js';
import { doLowerCase, resolveExportSource } from '../checkpoint/export.js';
import { assertFiniteWeights } from '../checkpoint/finite.js';
import { loadModelDir } from '../checkpoint/model-dir.js';
import { examplesFromRows, RECIPE_NAMES, type SettingNames, type TaskFormat } from '../data/classification.js';
import { allMetrics, argmaxRows, type MetricName } from '../data/metrics.js';
import { readRows, readText, type Row } from '../data/rows.js';
import { DataError, UsageError } from '../errors.js';
import type { BertModel } from '../model/bert.js';
import { formatFromPath, type Column, type DataFormat } from '../data/format.js';
import { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import type { Encoding } from '../tokenizer/post-processor.js';

export interface InferenceOptions {
  /** Tokens per example including [CLS]/[SEP] (default 128, capped by the model's positions). */
  maxSeqLength?: number;
  /** Examples per forward pass (default 32). */
  batchSize?: number;
}

/** Where the texts are in a data file: a recipe task's format, header and columns. */
export interface DataColumns {
  /** Default: from the extension (.csv, .jsonl / .json), else tsv. */
  format?: DataFormat;
  /** tsv/csv: the first row names the columns. */
  header?: boolean;
  textA?: Column;
  /** Default: text_b when the header or JSON has it, column 1 of a file one column wider than a single-text one. */
  textB?: Column;
  /** How data errors name these settings (the CLI: --text-b; default: recipe fields). */
  names?: SettingNames;
}

export interface EvaluateOptions extends InferenceOptions, DataColumns {
  /** Labelled tsv / csv / jsonl file. */
  data: string;
  label?: Column;
  /** Label names as written in the file, in class-id order (default: the config's id2label). */
  labels?: string[];
  /** Rows with one of these gold labels are skipped (OCNLI's "-"), as a task's skip_labels. */
  skipLabels?: string[];
  /** Labels written differently in the file, mapped to one of labels, as a task's label_aliases. */
  labelAliases?: Record<string, string>;
}

export interface EvaluationResult {
  dir: string;
  data: string;
  examples: number;
  labels: string[];
  metrics: Partial<Record<MetricName, number>>;
  /** confusion[gold][predicted] counts (classification only). */
  confusion?: number[][];
}

export interface PredictOptions extends InferenceOptions, DataColumns {
  /**
   * Text file (one example per line, `text_a<TAB>text_b` for pairs) or JSONL `{text_a, text_b}`;
   * with any DataColumns option, a tsv / csv / jsonl file read as eval reads it (labels ignored).
   */
  input: string;
  /** Names of the classes in class-id order, for the output (default: the config's id2label). */
  labels?: string[];
}

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
  regression: boolean;
  labels: string[];
}

/** Loads the model and tokenizer of DIR (a model directory or a run directory). */
function openPredictor(dir: string): Predictor {
  const { modelDir } = resolveExportSource(dir);
  const { model, vocabPath } = loadModelDir(modelDir);
  try {
    if (model.config.head !== 'classification') {
      throw new UsageError(`${modelDir}: eval/predict need a sequence-classification model, this one has head "${model.config.head}"`);
    }
    assertFiniteWeights(modelDir, model.params);
    if (!vocabPath) throw new DataError(`${modelDir}: no vocab.txt (the tokenizer needs the model's word-piece vocabulary)`);
    const tokenizer = BertTokenizer.fromVocabFile(vocabPath, { doLowerCase: doLowerCase(modelDir) ?? true });
    const regression = model.config.numLabels === 1;
    return { dir: modelDir, model, tokenizer, regression, labels: defaultLabels(model) };
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

/** The class names: those given (one per class of the model) or the config's. */
function classNames(p: Predictor, given: string[] | undefined): string[] {
  const labels = given ?? p.labels;
  if (!p.regression && labels.length !== p.model.config.numLabels) {
    throw new UsageError(`--labels: ${labels.length} labels given but the model has ${p.model.config.numLabels} classes`);
  }
  return labels;
}

/** Logits [N, K] (flat) of the encoded examples, in order. */
function logitsOf(p: Predictor, encodings: Encoding[], batchSize: number): Float32Array {
  const K = p.model.config.numLabels;
  const out = new Float32Array(encodings.length * K);
  for (let start = 0; start < encodings.length; start += batchSize) {
    const batch = encodings.slice(start, start + batchSize);
    const T = Math.max(...batch.map((e) => e.inputIds.length));
    const pad = (row: number[]) => [...row, ...new Array<number>(T - row.length).fill(0)];
    const values = tf.tidy(() => {
      const result = p.model.forward({
        inputIds: tf.tensor2d(batch.map((e) => pad(e.inputIds)), undefined, 'int32'), // [B, T]
        tokenTypeIds: tf.tensor2d(batch.map((e) => pad(e.tokenTypeIds)), undefined, 'int32'), // [B, T]
        attentionMask: tf.tensor2d(batch.map((e) => pad(e.attentionMask)), undefined, 'int32'), // [B, T]
      });
      return result.logits!.dataSync() as Float32Array; // [B, K]
    });
    out.set(values, start * K);
  }
  return out;
}

function encodeAll(p: Predictor, texts: { a: string; b?: string }[], opts: InferenceOptions): Encoding[] {
  const c = p.model.config;
  const limit = c.relativePositions ? Infinity : c.maxPositions;
  const maxLength = Math.min(opts.maxSeqLength ?? 128, limit);
  if (!(maxLength >= 3)) throw new UsageError(`--max-seq-length must be at least 3, got ${opts.maxSeqLength}`);
  return texts.map((t) => p.tokenizer.encode(t.a, t.b, { maxLength }));
}

function checkBatchSize(n: number | undefined): number {
  const b = n ?? 32;
  if (!Number.isInteger(b) || b < 1) throw new UsageError(`--batch-size must be a positive integer, got ${n}`);
  return b;
}

/**
 * The columns of a data file given without a recipe. Unlike a recipe task the file does not say
 * whether it holds pairs, so a second text is read when asked for, when the header or the first
 * JSON object names a text_b, or when an unnamed file has the pair layout (text_a, text_b[, label]).
 */
function fileColumns(rows: Row[], format: DataFormat, opts: DataColumns & { label?: Column }, labelled: boolean): TaskFormat['columns'] {
  const named = format === 'jsonl' || opts.header === true;
  const first = rows[0]?.cells;
  const pairLayout = named
    ? first !== undefined && (Array.isArray(first) ? first.includes('text_b') : 'text_b' in first)
    : opts.textA === undefined && opts.label === undefined && Array.isArray(first) && first.length === (labelled ? 3 : 2);
  const width = Array.isArray(first) ? first.length : 0;
  if (!labelled && !named && opts.textA === undefined && opts.textB === undefined && width > 2) {
    const names = opts.names ?? RECIPE_NAMES;
    throw new DataError(`${rows[0]!.source}: ${width} columns; say which hold the texts with ${names.column('text_a')} (and ${names.column('text_b')})`);
  }
  const textB = opts.textB ?? (pairLayout ? (named ? 'text_b' : 1) : undefined);
  return {
    text_a: opts.textA ?? (named ? 'text_a' : 0),
    ...(textB !== undefined ? { text_b: textB } : {}),
    label: opts.label ?? (named ? 'label' : textB !== undefined ? 2 : 1),
  };
}

/** Scores a labelled file with every metric that applies to the model's task. */
export async function evaluateModelDir(dir: string, opts: EvaluateOptions): Promise<EvaluationResult> {
  const batchSize = checkBatchSize(opts.batchSize);
  const p = openPredictor(dir);
  try {
    const labels = classNames(p, opts.labels);
    const names = opts.names ?? RECIPE_NAMES;
    for (const [from, to] of Object.entries(opts.labelAliases ?? {})) {
      if (!p.regression && !labels.includes(to)) {
        throw new UsageError(`label alias ${from}=${to}: "${to}" is not one of the labels ${JSON.stringify(labels)} (${names.labels})`);
      }
    }
    const format = opts.format ?? formatFromPath(opts.data) ?? 'tsv';
    const rows = readRows(opts.data, format);
    const columns = fileColumns(rows, format, opts, true);
    const task: TaskFormat = {
      type: p.regression ? 'regression' : columns.text_b !== undefined ? 'pair' : 'single',
      format,
      header: opts.header ?? false,
      columns,
      labels: p.regression ? undefined : labels,
      skip_labels: opts.skipLabels ?? [],
      label_aliases: opts.labelAliases ?? {},
    };
    const examples = examplesFromRows(opts.data, rows, task, { names });
    if (examples.length === 0) throw new DataError(`${opts.data}: no examples`);
    const logits = logitsOf(p, encodeAll(p, examples.map((e) => ({ a: e.textA, b: e.textB })), opts), batchSize);
    const gold = examples.map((e) => e.label);
    const preds = p.regression ? Array.from(logits) : Array.from(argmaxRows(logits, labels.length));
    const result: EvaluationResult = {
      dir: p.dir,
      data: opts.data,
      examples: examples.length,
      labels: p.regression ? [] : labels,
      metrics: allMetrics(p.regression, p.model.config.numLabels, preds, gold),
    };
    if (!p.regression) {
      result.confusion = labels.map(() => new Array<number>(labels.length).fill(0));
      gold.forEach((g, i) => result.confusion![g]![preds[i]!]!++);
    }
    return result;
  } finally {
    p.model.dispose();
  }
}

/** Reads predict inputs: JSONL objects `{text_a, text_b?}`, or text lines `text_a[<TAB>text_b]`. */
export function readPredictInputs(file: string, names: SettingNames = RECIPE_NAMES): { a: string; b?: string }[] {
  const text = readText(file);
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const firstNonBlank = lines.find((l) => l.trim() !== '');
  const jsonl = /\.jsonl?$/i.test(file) || firstNonBlank?.trimStart().startsWith('{') === true;
  const out: { a: string; b?: string }[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file}:${i + 1}`;
    if (!jsonl) {
      const cells = line.split('\t');
      if (cells.length > 2) throw new DataError(`${where}: ${cells.length} tab-separated fields, expected text_a or text_a<TAB>text_b`);
      out.push(cells.length === 2 ? { a: cells[0]!, b: cells[1]! } : { a: cells[0]! });
      return;
    }
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      throw new DataError(`${where}: not valid JSON (${(e as Error).message})`);
    }
    const { text_a: a, text_b: b } = (obj ?? {}) as { text_a?: unknown; text_b?: unknown };
    if (typeof a !== 'string') {
      const keys = obj !== null && typeof obj === 'object' ? `; keys: ${Object.keys(obj).join(', ')} (name them with ${names.column('text_a')} / ${names.column('text_b')})` : '';
      throw new DataError(`${where}: expected an object with a string "text_a"${keys}`);
    }
    if (b !== undefined && b !== null && typeof b !== 'string') throw new DataError(`${where}: "text_b" must be a string`);
    out.push(typeof b === 'string' ? { a, b } : { a });
  });
  if (out.length === 0) throw new DataError(`${file}: no examples (empty input file)`);
  return out;
}

/** Predict inputs: free text lines / JSONL, or, given any column option, a data file read as eval does. */
function readInputs(opts: PredictOptions): { a: string; b?: string }[] {
  const { format: given, header, textA, textB } = opts;
  if (given === undefined && header === undefined && textA === undefined && textB === undefined) return readPredictInputs(opts.input, opts.names);
  const format = given ?? formatFromPath(opts.input) ?? 'tsv';
  const rows = readRows(opts.input, format);
  const columns = fileColumns(rows, format, opts, false);
  const task: TaskFormat = { type: columns.text_b !== undefined ? 'pair' : 'single', format, header: header ?? false, columns, labels: undefined, skip_labels: [] };
  const examples = examplesFromRows(opts.input, rows, task, { labelled: false, names: opts.names ?? RECIPE_NAMES });
  if (examples.length === 0) throw new DataError(`${opts.input}: no examples (empty input file)`);
  return examples.map((e) => (e.textB === undefined ? { a: e.textA } : { a: e.textA, b: e.textB }));
}

/** Labels every input: the most probable label, its probability and all probabilities. */
export async function predictModelDir(dir: string, opts: PredictOptions): Promise<Prediction[]> {
  const batchSize = checkBatchSize(opts.batchSize);
  const inputs = readInputs(opts);
  const p = openPredictor(dir);
  try {
    const labels = classNames(p, opts.labels);
    const logits = logitsOf(p, encodeAll(p, inputs, opts), batchSize);
    const K = p.model.config.numLabels;
    return inputs.map((t, i) => {
      const base: Pick<Prediction, 'text_a' | 'text_b'> = t.b === undefined ? { text_a: t.a } : { text_a: t.a, text_b: t.b };
      if (p.regression) return { ...base, score: logits[i]! };
      const row = Array.from(logits.subarray(i * K, (i + 1) * K));
      const probs = softmax(row);
      const best = probs.indexOf(Math.max(...probs));
      return {
        ...base,
        label: labels[best]!,
        score: probs[best]!,
        probabilities: Object.fromEntries(labels.map((l, k) => [l, probs[k]!])),
      };
    });
  } finally {
    p.model.dispose();
  }
}

/** Softmax in float64 with the max subtracted (no overflow for large logits). */
function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}
