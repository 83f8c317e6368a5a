/**
 * A model directory = config (`config.json` or `bert_config.json`) + weights (`model.safetensors`,
 * `pytorch_model.bin` or a TensorFlow.js `model.json`) + `vocab.txt` (or a Hugging Face
 * `tokenizer.json` alone). A folder from `export --format onnx` is one too: its weights are read
 * back from `onnx/model.onnx` (onnx/read.ts). Loading maps names through
 * names.ts and reports missing, unexpected and shape-mismatched tensors; saving writes a directory
 * that Hugging Face and tinybert both load.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { tf } from '../backend/tf.js';
import { CheckpointError, DataError, UsageError } from '../errors.js';
import { BertModel, newScope } from '../model/bert.js';
import { readModelConfig, toHfConfig, type ModelConfig } from '../model/config.js';
import { initTensor } from '../model/init.js';
import type { Params } from '../model/ops.js';
import { modelParams } from '../model/params.js';
import { readWeights } from './files.js';
import { externalName, mapName } from './names.js';
import { ONNX_WEIGHTS, unusedByHead } from './onnx/names.js';
import { hasOnnxGraph, onnxExportConfig, readOnnxExport } from './onnx/read.js';
import { writePytorchBin } from './pytorch.js';
import { writeSafetensors } from './safetensors.js';
import type { RawTensor, TensorMap } from './tensor-map.js';
import { writeTfjsWeights } from './tfjs-weights.js';
import { isWithin, removeDeadTemps, tempDirName } from '../util/fs.js';
import { specialTokensMap, tokenizerJson } from '../tokenizer/tokenizer-json.js';
import { isTokenizerJson, Vocab } from '../tokenizer/vocab.js';

/** Parameters that belong to a task or pre-training head rather than the encoder. */
export const HEAD_PARAM = /^(classifier|qa_outputs|cls)\./;

export const CONFIG_FILES = ['config.json', 'bert_config.json'] as const;
export const WEIGHT_FILES = ['model.safetensors', 'pytorch_model.bin', 'model.json'] as const;
/** Every file a model directory's weights are read from: WEIGHT_FILES, else an ONNX export's float32 graph. */
export const READABLE_WEIGHT_FILES = [...WEIGHT_FILES, ONNX_WEIGHTS] as const;
/** Where a model directory's tokenizer vocabulary is read from, in order of preference. */
export const VOCAB_FILES = ['vocab.txt', 'tokenizer.json'] as const;
/**
 * Hidden file in every model folder tinybert writes (Hugging Face and transformers.js ignore it):
 * only a folder holding it is ever replaced.
 */
export const MODEL_MARKER = '.tinybert-model';

export interface LoadReport {
  weightsFile: string;
  format: string;
  missing: string[];
  unexpected: string[];
  mismatched: { name: string; expected: number[]; found: number[] }[];
  ignored: { name: string; reason: string }[];
  /** Parameters freshly initialised because the caller allowed a partial load. */
  initialised: string[];
}

export interface LoadOptions {
  /** Parameters that may be missing (freshly initialised instead), e.g. a new task head. */
  allowMissing?: (name: string) => boolean;
  /** Replace the config's head before loading (a fresh head for a new task). */
  head?: Pick<ModelConfig, 'head' | 'numLabels' | 'labels'>;
  /** Seed for freshly initialised parameters. */
  seed?: number;
  /** Weights file to read instead of the first of WEIGHT_FILES found in the directory. */
  weights?: string;
}

export interface LoadedModel {
  model: BertModel;
  /** Training-only tensors found in the checkpoint (fit_dense projections). */
  extras: TensorMap;
  report: LoadReport;
  dir: string;
  /** Path of vocab.txt (else tokenizer.json) if the directory has one. */
  vocabPath?: string;
}

export function findFile(dir: string, names: readonly string[]): string | undefined {
  return names.map((n) => join(dir, n)).find((p) => existsSync(p));
}

export function modelConfigPath(dir: string): string {
  if (!existsSync(dir)) throw new CheckpointError(`${dir}: model directory not found`);
  const path = findFile(dir, CONFIG_FILES);
  if (!path) throw new CheckpointError(`${dir}: no model config (expected ${CONFIG_FILES.join(' or ')})`);
  return path;
}

export function weightsPath(dir: string): string {
  const path = findFile(dir, READABLE_WEIGHT_FILES);
  if (!path) {
    const legacy = findFile(dir, ['model.ckpt.index', 'bert_model.ckpt.index']);
    const hint = legacy ? ' (TensorFlow checkpoints: convert to PyTorch or safetensors first)' : '';
    throw new CheckpointError(`${dir}: no weights file (expected ${READABLE_WEIGHT_FILES.join(', ')})${hint}`);
  }
  return path;
}

/** An `export --format onnx` folder: no tinybert weights, only the ONNX graphs. */
export function isOnnxExport(dir: string): boolean {
  return !findFile(dir, WEIGHT_FILES) && hasOnnxGraph(dir);
}

/** The config of a model directory, as loadModelDir resolves it (an ONNX export's config.json is read with its graph's keys). */
export function readDirConfig(dir: string): ModelConfig {
  const path = modelConfigPath(dir);
  return isOnnxExport(dir) ? onnxExportConfig(dir, path) : readModelConfig(path);
}

/** vocab.txt (else tokenizer.json) of a model directory; a DataError naming the directory when it has neither. */
export function vocabPath(dir: string): string {
  const p = findFile(dir, VOCAB_FILES);
  if (!p) throw new DataError(`${dir}: no vocab.txt or tokenizer.json (the tokenizer needs the model's word-piece vocabulary)`);
  return p;
}

/** Matches checkpoint tensors to a config's parameters. */
export function matchTensors(
  config: ModelConfig,
  tensors: TensorMap,
  file: string,
  format: string,
  opts: LoadOptions = {},
): { values: Map<string, RawTensor>; extras: TensorMap; report: LoadReport } {
  const report: LoadReport = { weightsFile: file, format, missing: [], unexpected: [], mismatched: [], ignored: [], initialised: [] };
  const byName = new Map<string, RawTensor>();
  const extras: TensorMap = new Map();
  for (const [external, t] of tensors) {
    const m = mapName(external);
    if (m.kind === 'ignored') report.ignored.push({ name: external, reason: m.reason ?? '' });
    else if (m.kind === 'extra') extras.set(m.name, t);
    else byName.set(m.name, t);
  }
  const values = new Map<string, RawTensor>();
  const specs = modelParams(config);
  const known = new Set(specs.map((s) => s.name));
  for (const spec of specs) {
    const t = byName.get(spec.name);
    if (!t) {
      if (opts.allowMissing?.(spec.name)) report.initialised.push(spec.name);
      else report.missing.push(spec.name);
      continue;
    }
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      report.mismatched.push({ name: spec.name, expected: spec.shape, found: t.shape });
      continue;
    }
    values.set(spec.name, t);
  }
  for (const name of byName.keys()) {
    if (known.has(name)) continue;
    // A replaced head (e.g. masked-LM weights when fine-tuning a classifier) is not an error.
    if (opts.head && HEAD_PARAM.test(name)) report.ignored.push({ name, reason: `head replaced by ${opts.head.head}` });
    else report.unexpected.push(name);
  }
  return { values, extras, report };
}

/**
 * A config without head information (NEZHA's bert_config.json) gets the head its checkpoint holds:
 * released NEZHA checkpoints carry the pre-training heads, fine-tuned ones a classifier.
 */
export function inferHead(config: ModelConfig, tensors: TensorMap): ModelConfig {
  const names = new Set([...tensors.keys()].map((n) => mapName(n).name));
  if (names.has('cls.predictions.bias')) {
    return { ...config, head: names.has('cls.seq_relationship.weight') ? 'pretraining' : 'mlm' };
  }
  const classifier = tensors.get('classifier.weight');
  if (classifier && classifier.shape.length === 2) {
    const numLabels = classifier.shape[0];
    return { ...config, head: 'classification', numLabels, labels: Array.from({ length: numLabels }, (_, i) => `LABEL_${i}`) };
  }
  if (names.has('qa_outputs.weight')) return { ...config, head: 'span' };
  return config;
}

function failOnReport(r: LoadReport): void {
  const parts: string[] = [];
  const list = (xs: string[]) => xs.slice(0, 4).join(', ') + (xs.length > 4 ? `, … (${xs.length - 4} more)` : '');
  if (r.missing.length) parts.push(`${r.missing.length} missing (${list(r.missing)})`);
  if (r.mismatched.length) {
    parts.push(`${r.mismatched.length} shape-mismatched (${list(r.mismatched.map((m) => `${m.name} [${m.found}] ≠ config [${m.expected}]`))})`);
  }
  if (r.unexpected.length) parts.push(`${r.unexpected.length} unexpected (${list(r.unexpected)})`);
  if (parts.length) throw new CheckpointError(`${r.weightsFile}: weights do not match the config: ${parts.join('; ')}`);
}

/** Loads config + weights of a model directory into a BertModel. */
export function loadModelDir(dir: string, opts: LoadOptions = {}): LoadedModel {
  const { config: stored, tensors, file, format } = readDirWeights(dir, opts);
  let config = opts.head ? { ...stored, ...opts.head } : stored;
  if (!opts.head && config.head === 'none') config = inferHead(config, tensors);
  // An ONNX export of a token or span model has no pooler (its graph never reads one).
  const allowMissing = format === 'onnx' ? (n: string) => opts.allowMissing?.(n) || unusedByHead(n, stored.head) : opts.allowMissing;
  const { values, extras, report } = matchTensors(config, tensors, file, format, { ...opts, allowMissing });
  failOnReport(report);
  const scope = newScope();
  const params: Params = new Map();
  for (const spec of modelParams(config)) {
    const raw = values.get(spec.name);
    const t = raw ? tf.tensor(raw.data, spec.shape, 'float32') : initTensor(spec, config.initializerRange, opts.seed ?? 0);
    params.set(spec.name, tf.variable(t, true, `${scope}/${spec.name}`));
    t.dispose();
  }
  return { model: new BertModel(config, params, scope), extras, report, dir, vocabPath: findFile(dir, VOCAB_FILES) };
}

/** Config and tensors of a directory as stored, before any head replacement. */
function readDirWeights(dir: string, opts: LoadOptions): { config: ModelConfig; tensors: TensorMap; file: string; format: string } {
  const configPath = modelConfigPath(dir);
  if (!opts.weights && isOnnxExport(dir)) return { ...readOnnxExport(dir, configPath), format: 'onnx' };
  const file = opts.weights ? join(dir, opts.weights) : weightsPath(dir);
  return { config: readModelConfig(configPath), ...readWeights(file), file };
}

export type WeightFormat = 'safetensors' | 'pytorch' | 'tfjs';

export interface SaveOptions {
  format?: WeightFormat;
  dtype?: 'float32' | 'float16';
  /** vocab.txt (copied) or tokenizer.json to write the directory's tokenizer files from. */
  vocab?: string;
  /** Training-only tensors to save too (training checkpoints, never exports). */
  extras?: TensorMap;
  doLowerCase?: boolean;
}

/**
 * Writes `model` as a Hugging Face style directory. The directory is assembled next to `dir` and
 * renamed into place, so a crash never leaves a half-written model behind.
 */
export async function saveModelDir(model: BertModel, dir: string, opts: SaveOptions = {}): Promise<void> {
  const format = opts.format ?? 'safetensors';
  const c = model.config;
  const tensors: TensorMap = new Map();
  for (const [name, t] of await model.tensorData()) {
    tensors.set(externalName(name, c.modelType), { ...t, dtype: 'F32' });
  }
  for (const [name, t] of opts.extras ?? []) tensors.set(name, t);
  const tmp = tempDirName(dir, 'tmp');
  try {
    mkdirSync(tmp, { recursive: true });
    writeFileSync(join(tmp, MODEL_MARKER), 'written by tinybert: a folder tinybert may replace\n');
    writeFileSync(join(tmp, 'config.json'), `${JSON.stringify(toHfConfig(c), null, 2)}\n`);
    if (format === 'safetensors') {
      writeSafetensors(join(tmp, 'model.safetensors'), tensors, { dtype: opts.dtype === 'float16' ? 'F16' : 'F32' });
    } else if (format === 'pytorch') {
      writePytorchBin(join(tmp, 'pytorch_model.bin'), tensors);
    } else {
      writeTfjsWeights(tmp, tensors, { dtype: opts.dtype ?? 'float32', modelJsonExtra: { config: toHfConfig(c) } });
    }
    if (opts.vocab) writeTokenizerFiles(tmp, opts.vocab, opts.doLowerCase, c.maxPositions);
    replaceDir(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    // Name the folder the user asked for, not our temporary.
    const err = e as NodeJS.ErrnoException;
    if (err.path?.startsWith(tmp)) err.path = dir + err.path.slice(tmp.length);
    throw e;
  }
}

/**
 * vocab.txt, tokenizer.json (what transformers.js reads), special_tokens_map.json and
 * tokenizer_config.json, from a vocab.txt (copied byte for byte) or a tokenizer.json (its casing
 * applies unless `doLowerCase` is given).
 */
export function writeTokenizerFiles(dir: string, vocabFile: string, doLowerCase: boolean | undefined, maxPositions: number): void {
  const json = isTokenizerJson(vocabFile) ? Vocab.fromTokenizerJson(vocabFile) : undefined;
  const tokens = (json?.vocab ?? Vocab.fromFile(vocabFile)).tokens();
  const lower = doLowerCase ?? json?.settings.doLowerCase ?? true;
  if (json) writeFileSync(join(dir, 'vocab.txt'), `${tokens.join('\n')}\n`);
  else copyFileSync(vocabFile, join(dir, 'vocab.txt'));
  const write = (name: string, value: unknown) => writeFileSync(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
  write('tokenizer.json', tokenizerJson(tokens, { doLowerCase: lower, maxInputCharsPerWord: json?.settings.maxInputCharsPerWord }));
  write('special_tokens_map.json', specialTokensMap(tokens));
  // transformers.js takes the special tokens from tokenizer_config.json only (without sep_token its
  // question-answering reads answers out of the question, and padding a batch fails).
  write('tokenizer_config.json', { tokenizer_class: 'BertTokenizer', do_lower_case: lower, model_max_length: maxPositions, ...specialTokensMap(tokens) });
}

/**
 * Refuses, in one line, to replace `dir` unless it is absent, an empty folder or a model folder
 * tinybert wrote (MODEL_MARKER). Never the working folder or one holding it: renaming it away
 * would pull the folder out from under the user's shell.
 */
export function checkReplaceable(dir: string): void {
  if (isWithin(process.cwd(), dir)) {
    throw new UsageError(`${dir}: is the current folder or holds it; write the model to a new folder`);
  }
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`${dir}: is a file; expected a folder to write the model to`);
    entries = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (entries.length === 0 || entries.includes(MODEL_MARKER)) return;
  const what = entries.includes('run.json') || entries.includes('recipe.yaml') || entries.includes('.tinybert-run')
    ? 'holds a tinybert run, not a model'
    : `is not a model folder tinybert wrote (no ${MODEL_MARKER})`;
  throw new UsageError(`${dir}: ${what}; refusing to replace it, choose a new or empty folder`);
}

/** Removes what killed exports or creates left beside `out` (their pid is dead); nothing else. */
export function removeOutTemps(out: string): void {
  removeDeadTemps(dirname(resolve(out)), { prefix: `.${basename(resolve(out))}.` });
}

/** Moves a finished directory into place, replacing an older one (see checkReplaceable). */
export function replaceDir(tmp: string, dir: string): void {
  checkReplaceable(dir);
  mkdirSync(dirname(dir), { recursive: true });
  const old = existsSync(dir) ? tempDirName(dir, 'old') : undefined;
  if (old) renameSync(dir, old);
  renameSync(tmp, dir);
  if (old) rmSync(old, { recursive: true, force: true });
}
