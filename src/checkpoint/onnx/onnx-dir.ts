/**
 * The folder transformers.js loads from a local path (and onnxruntime runs): config.json with a
 * model_type its registry knows, tokenizer.json + tokenizer_config.json + special_tokens_map.json +
 * vocab.txt, and onnx/model.onnx (float32) + onnx/model_quantized.onnx (int8 Linears; what
 * transformers.js picks for `dtype: 'q8'`, its default in the browser).
 *
 * config.json says `model_type: "bert"` for NEZHA models too: transformers.js has no NEZHA class,
 * and needs none — the relative positions are computed inside the graph. For tinybert, which reads
 * the folder back (read.ts), it also holds keys transformers.js ignores: `use_relative_position`
 * (+ `max_relative_position`) and, for a classifier, `classifier_relu`.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import type { BertModel } from '../../model/bert.js';
import { toHfConfig, type ModelConfig } from '../../model/config.js';
import { MODEL_MARKER, replaceDir, writeTokenizerFiles } from '../model-dir.js';
import { tempDirName } from '../../util/fs.js';
import { bertOnnxModel, ONNX_HEADS } from './bert-graph.js';
import { METADATA_MODEL_TYPE, ONNX_WEIGHTS } from './names.js';
import { encodeModel } from './proto.js';

export const ONNX_FILES = [ONNX_WEIGHTS, 'onnx/model_quantized.onnx'] as const;

export interface OnnxDirOptions {
  /** vocab.txt or tokenizer.json the tokenizer files are written from. */
  vocab: string;
  doLowerCase?: boolean;
}

/** Refuses, in one line, a model whose head has no transformers.js pipeline to run it. */
export function checkOnnxHead(c: ModelConfig, source: string): void {
  if ((ONNX_HEADS as readonly string[]).includes(c.head)) return;
  throw new UsageError(
    `${source}: has head ${JSON.stringify(c.head)}; ONNX export covers the task heads ${ONNX_HEADS.join(', ')} ` +
      `(transformers.js text-classification, token-classification, question-answering); export a task model, or use --format safetensors`,
  );
}

/**
 * config.json for transformers.js: Hugging Face's BERT config with the labels, plus what tinybert
 * needs to read the folder back and transformers.js ignores (the graph already computes it).
 */
export function transformersJsConfig(c: ModelConfig): Record<string, unknown> {
  const out = toHfConfig({ ...c, modelType: 'bert', relativePositions: false });
  out.use_relative_position = c.relativePositions;
  if (c.relativePositions) out.max_relative_position = c.maxRelativePosition;
  if (c.head === 'classification') out.classifier_relu = c.classifierRelu;
  return out;
}

/** Writes the folder described in the header to `dir`, assembled beside it and renamed into place. */
export async function writeOnnxDir(model: BertModel, dir: string, opts: OnnxDirOptions): Promise<void> {
  const c = model.config;
  const weights = await model.tensorData();
  const metadata = [
    { key: METADATA_MODEL_TYPE, value: c.modelType },
    { key: 'tinybert_positions', value: c.relativePositions ? `relative, clipped at ${c.maxRelativePosition}` : 'absolute' },
  ];
  const tmp = tempDirName(dir, 'tmp');
  try {
    mkdirSync(join(tmp, 'onnx'), { recursive: true });
    writeFileSync(join(tmp, MODEL_MARKER), 'written by tinybert: a folder tinybert may replace\n');
    writeFileSync(join(tmp, 'config.json'), `${JSON.stringify(transformersJsConfig(c), null, 2)}\n`);
    writeTokenizerFiles(tmp, opts.vocab, opts.doLowerCase, c.maxPositions);
    for (const [file, quantize] of [[ONNX_FILES[0], false], [ONNX_FILES[1], true]] as const) {
      const onnx = bertOnnxModel(c, weights, { quantize });
      writeFileSync(join(tmp, file), encodeModel({ ...onnx, metadata_props: metadata }));
    }
    replaceDir(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    const err = e as NodeJS.ErrnoException;
    if (err.path?.startsWith(tmp)) err.path = dir + err.path.slice(tmp.length);
    throw e;
  }
}
