/**
 * Export: turns a training run or a training checkpoint into a clean student directory that
 * Hugging Face, PyTorch, tinybert (Node) and the browser bundle load — the student's config, its
 * weights, vocab.txt and tokenizer_config.json, nothing else. Training-only tensors (`fit_dense*`
 * projections) and files (`optimizer.safetensors`, `trainer.json`, `recipe.yaml`) stay behind.
 *
 * SOURCE is one of
 *   - a model directory: config.json / bert_config.json + model.safetensors / pytorch_model.bin /
 *     model.json (a training checkpoint is one, with extras), or an `--format onnx` export folder
 *     (its weights read back from onnx/model.onnx);
 *   - a run directory: `run.json` = { "slots": { "<slot>": "<model dir>" }, "student": "<slot>" },
 *     written by the pipeline; the student slot's latest output is exported.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { CheckpointError, UsageError } from '../errors.js';
import { architectureName, type ModelConfig } from '../model/config.js';
import { CONFIG_FILES, READABLE_WEIGHT_FILES, VOCAB_FILES, checkReplaceable, findFile, loadModelDir, removeOutTemps, saveModelDir, type WeightFormat } from './model-dir.js';
import { checkOnnxHead, writeOnnxDir } from './onnx/index.js';
import { isWithin } from '../util/fs.js';
import { validate } from '../util/validate.js';

export const RUN_FILE = 'run.json';

export const runManifestSchema = z.looseObject({
  slots: z.record(z.string(), z.string()).describe('model slot name -> model directory of its latest output'),
  student: z.string().describe('slot of the last distillation stage\'s student (the model to export)'),
});
export type RunManifest = z.infer<typeof runManifestSchema>;

export type ExportDtype = 'float32' | 'float16';
/** A weight format of model-dir.ts, or `onnx`: the folder transformers.js loads (onnx/onnx-dir.ts). */
export type ExportFormat = WeightFormat | 'onnx';

export interface ExportOptions {
  /** Directory to write; replaced atomically if it is a model folder tinybert wrote, else refused. */
  out: string;
  format?: ExportFormat;
  dtype?: ExportDtype;
  /** vocab.txt to ship when the source directory has none. */
  vocab?: string;
}

export interface ExportSource {
  /** The model directory that is exported. */
  modelDir: string;
  kind: 'model' | 'run';
  /** Slot name when SOURCE was a run directory. */
  slot?: string;
}

export interface ExportResult extends ExportSource {
  out: string;
  format: ExportFormat;
  dtype: ExportDtype;
  params: number;
  /** Training-only tensors of the source that were left out. */
  droppedTensors: string[];
  /** Files the export directory holds. */
  files: string[];
  /** One line each: where a loader other than tinybert computes differently from the export. */
  warnings: string[];
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function readRunManifest(path: string): RunManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`${path}: cannot read run manifest (${(e as Error).message})`);
  }
  return validate(runManifestSchema, raw, path, CheckpointError);
}

/** Decides what SOURCE is; a CheckpointError naming both accepted layouts when it is neither. */
export function resolveExportSource(source: string): ExportSource {
  if (!existsSync(source)) throw new CheckpointError(`${source}: not found (expected a model directory or a run directory)`);
  if (!isDirectory(source)) {
    throw new CheckpointError(`${source}: is a file; expected a model directory (config.json + weights) or a run directory (run.json)`);
  }
  const runFile = join(source, RUN_FILE);
  if (existsSync(runFile)) {
    const run = readRunManifest(runFile);
    const dir = run.slots[run.student];
    if (dir === undefined) {
      throw new CheckpointError(
        `${runFile}: student slot ${JSON.stringify(run.student)} is not among the slots (${Object.keys(run.slots).join(', ') || 'none'})`,
      );
    }
    const modelDir = isAbsolute(dir) ? dir : resolve(source, dir);
    if (!isDirectory(modelDir)) {
      throw new CheckpointError(`${runFile}: slot ${JSON.stringify(run.student)} points to ${modelDir}, which does not exist (has the stage finished?)`);
    }
    return { modelDir, kind: 'run', slot: run.student };
  }
  const config = findFile(source, CONFIG_FILES);
  const weights = findFile(source, READABLE_WEIGHT_FILES);
  if (config && weights) return { modelDir: source, kind: 'model' };
  const seen = readdirSync(source).slice(0, 6).join(', ') || 'empty';
  const missing = config ? `no weights (${READABLE_WEIGHT_FILES.join(', ')})` : `no ${CONFIG_FILES.join(' / ')}`;
  throw new CheckpointError(
    `${source}: neither a model directory (${missing}) nor a run directory (no ${RUN_FILE}); found: ${seen}`,
  );
}

/** A model directory's tokenizer casing (tokenizer_config.json), so exports and inference tokenize as training did. */
export function doLowerCase(dir: string): boolean | undefined {
  const path = join(dir, 'tokenizer_config.json');
  if (!existsSync(path)) return undefined;
  try {
    const v = (JSON.parse(readFileSync(path, 'utf8')) as { do_lower_case?: unknown }).do_lower_case;
    return typeof v === 'boolean' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Hugging Face's classes have no ReLU before the classifier; tinybert (Node, browser) reads classifier_relu. */
function exportWarnings(c: ModelConfig, format: ExportFormat): string[] {
  // tfjs is read by tinybert's browser loader; the ONNX graph computes the ReLU itself.
  if (!c.classifierRelu || c.head !== 'classification' || format === 'tfjs' || format === 'onnx') return [];
  return [`this model computes classifier(relu(pooled)) (classifier_relu: true in config.json, as TinyBERT's reference); ` +
    `Hugging Face's ${architectureName(c)} has no ReLU there, so its logits for this export differ from tinybert's`];
}

/** Exports the student of SOURCE to `opts.out`; see the file header. */
export async function exportModel(source: string, opts: ExportOptions): Promise<ExportResult> {
  const format = opts.format ?? 'safetensors';
  const dtype = opts.dtype ?? 'float32';
  if (dtype === 'float16' && format === 'pytorch') {
    throw new UsageError('--dtype float16 is supported for safetensors and tfjs exports; pytorch exports are float32');
  }
  if (dtype === 'float16' && format === 'onnx') {
    throw new UsageError('--dtype float16 is not offered for onnx exports: they hold onnx/model.onnx (float32) and onnx/model_quantized.onnx (int8)');
  }
  const src = resolveExportSource(source);
  // Replacing --out must never remove what is being read: the model folder, or the run holding it.
  if (isWithin(opts.out, src.modelDir) || isWithin(src.modelDir, opts.out) || isWithin(source, opts.out)) {
    throw new UsageError(`--out ${opts.out}: contains or lies inside the source ${src.modelDir}; export to a folder outside it`);
  }
  checkReplaceable(opts.out);
  removeOutTemps(opts.out);
  const vocab = opts.vocab ?? findFile(src.modelDir, VOCAB_FILES);
  if (!vocab) {
    throw new CheckpointError(`${src.modelDir}: no vocab.txt or tokenizer.json to ship with the export; pass --vocab FILE`);
  }
  if (!existsSync(vocab)) throw new CheckpointError(`${vocab}: vocab file not found`);
  const { model, extras } = loadModelDir(src.modelDir);
  try {
    if (format === 'onnx') {
      checkOnnxHead(model.config, src.modelDir);
      await writeOnnxDir(model, opts.out, { vocab, doLowerCase: doLowerCase(src.modelDir) });
    } else {
      await saveModelDir(model, opts.out, { format, dtype, vocab, doLowerCase: doLowerCase(src.modelDir) });
    }
    return {
      ...src,
      out: opts.out,
      format,
      dtype,
      params: model.numParams(),
      droppedTensors: [...extras.keys()],
      files: readdirSync(opts.out).sort(),
      warnings: exportWarnings(model.config, format),
    };
  } finally {
    model.dispose();
  }
}
