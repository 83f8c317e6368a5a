/**
 * Inference on a finished model — an exported student, a training checkpoint or a run directory:
 * `evaluateModelDir` scores a labelled file (every metric that applies), `predictModelDir` labels
 * raw texts. Label names default to the model config's id2label, so an exported student needs
 * nothing but its own directory. Batches are padded to their longest example (dynamic padding);
 * padding does not change a classifier's logits, so results equal fixed-length batching.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { tf } from '../backend/tf.js';
import { doLowerCase, resolveExportSource } from '../checkpoint/export.js';
import { loadModelDir } from '../checkpoint/model-dir.js';
import { readExamples, type TaskFormat } from '../data/classification.js';
import { allMetrics, argmaxRows, type MetricName } from '../data/metrics.js';
import { DataError, UsageError } from '../errors.js';
import type { BertModel } from '../model/bert.js';
import type { Column, DataFormat } from '../recipe/task.js';
import { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import type { Encoding } from '../tokenizer/post-processor.js';

export interface InferenceOptions {
  /** Tokens per example including [CLS]/[SEP] (default 128, capped by the model's positions). */
  maxSeqLength?: number;
  /** Examples per forward pass (default 32). */
  batchSize?: number;
}

export interface EvaluateOptions extends InferenceOptions {
  /** Labelled tsv / csv / jsonl file. */
  data: string;
  /** Default: from the extension (.csv, .jsonl / .json), else tsv. */
  format?: DataFormat;
  /** tsv/csv: the first row names the columns. */
  header?: boolean;
  textA?: Column;
  textB?: Column;
  label?: Column;
  /** Label names as written in the file, in class-id order (default: the config's id2label). */
  labels?: string[];
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

export interface PredictOptions extends InferenceOptions {
  /** Text file (one example per line, `text_a<TAB>text_b` for pairs) or JSONL `{text_a, text_b}`. */
  input: string;
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

const FORMATS: Record<string, DataFormat> = { '.csv': 'csv', '.jsonl': 'jsonl', '.json': 'jsonl' };

/** Scores a labelled file with every metric that applies to the model's task. */
export async function evaluateModelDir(dir: string, opts: EvaluateOptions): Promise<EvaluationResult> {
  const batchSize = checkBatchSize(opts.batchSize);
  const p = openPredictor(dir);
  try {
    const labels = opts.labels ?? p.labels;
    if (!p.regression && labels.length !== p.model.config.numLabels) {
      throw new UsageError(`--labels: ${labels.length} labels given but the model has ${p.model.config.numLabels} classes`);
    }
    const format = opts.format ?? FORMATS[extname(opts.data).toLowerCase()] ?? 'tsv';
    const named = format === 'jsonl' || opts.header === true;
    const pair = opts.textB !== undefined;
    const task: TaskFormat = {
      type: p.regression ? 'regression' : pair ? 'pair' : 'single',
      format,
      header: opts.header ?? false,
      columns: {
        text_a: opts.textA ?? (named ? 'text_a' : 0),
        ...(pair ? { text_b: opts.textB } : {}),
        label: opts.label ?? (named ? 'label' : pair ? 2 : 1),
      },
      labels: p.regression ? undefined : labels,
      skip_labels: [],
    };
    const examples = readExamples(opts.data, task);
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
export function readPredictInputs(file: string): { a: string; b?: string }[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    throw new DataError(`${file}: cannot read input file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
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
    if (typeof a !== 'string') throw new DataError(`${where}: expected an object with a string "text_a"`);
    if (b !== undefined && b !== null && typeof b !== 'string') throw new DataError(`${where}: "text_b" must be a string`);
    out.push(typeof b === 'string' ? { a, b } : { a });
  });
  if (out.length === 0) throw new DataError(`${file}: no examples (empty input file)`);
  return out;
}

/** Labels every input: the most probable label, its probability and all probabilities. */
export async function predictModelDir(dir: string, opts: PredictOptions): Promise<Prediction[]> {
  const batchSize = checkBatchSize(opts.batchSize);
  const inputs = readPredictInputs(opts.input);
  const p = openPredictor(dir);
  try {
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
        label: p.labels[best]!,
        score: probs[best]!,
        probabilities: Object.fromEntries(p.labels.map((l, k) => [l, probs[k]!])),
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
