/**
 * Reads back a folder `tinybert export --format onnx` wrote (onnx-dir.ts), so predict, eval,
 * export and distill take it as a model directory: the parameters are the initializers of the
 * float32 graph onnx/model.onnx (names.ts says where each lives), the config is config.json.
 *
 * config.json says model_type "bert" for every export (transformers.js has no NEZHA class). The
 * positions come from its tinybert-only keys `use_relative_position` / `max_relative_position`,
 * and, in exports written before those keys, from the graph itself: a NEZHA graph holds the
 * [2k+1, D] relative-position table, a BERT graph the position embeddings. Where both speak
 * (positions, classifier_relu) they must agree, else the files do not belong together.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError, ConfigError } from '../../errors.js';
import { parseModelConfig, type ModelConfig } from '../../model/config.js';
import { modelParams } from '../../model/params.js';
import { numel, type TensorMap } from '../tensor-map.js';
import { ONNX_WEIGHTS, POOLED, PRODUCER, RELATIVE_TABLE, storedAs, transpose } from './names.js';
import { DataType, decodeModel, type ModelProto } from './proto.js';

export interface OnnxExport {
  config: ModelConfig;
  /** Parameters under tinybert names, in tinybert layout. */
  tensors: TensorMap;
  /** The graph the tensors were read from. */
  file: string;
}

/** What the float32 graph itself says about the model. */
interface GraphFacts {
  /** Clipping distance k of the relative positions; undefined for absolute positions. */
  maxRelativePosition?: number;
  classifierRelu: boolean;
}

/** True for a folder holding an export's float32 graph. */
export function hasOnnxGraph(dir: string): boolean {
  return existsSync(join(dir, ONNX_WEIGHTS));
}

/** Decodes onnx/model.onnx of `dir`; only a graph tinybert wrote is accepted (its layout is names.ts). */
export function readOnnxGraph(dir: string): ModelProto {
  const file = join(dir, ONNX_WEIGHTS);
  let model: ModelProto;
  try {
    model = decodeModel(readFileSync(file));
  } catch (e) {
    throw new CheckpointError(`${file}: not a readable ONNX model (${(e as Error).message})`);
  }
  if (model.producer_name !== PRODUCER) {
    throw new CheckpointError(
      `${file}: written by ${JSON.stringify(model.producer_name ?? '')}, not by tinybert export; tinybert reads back only its own ONNX exports (give the model directory instead)`,
    );
  }
  return model;
}

function graphFacts(model: ModelProto): GraphFacts {
  const table = model.graph.initializer.find((t) => t.name === RELATIVE_TABLE);
  return {
    maxRelativePosition: table ? (Number(table.dims[0]) - 1) / 2 : undefined,
    classifierRelu: model.graph.node.some((n) => n.op_type === 'Relu' && n.input[0] === POOLED),
  };
}

function readJsonObject(path: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${path}: cannot read model config (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${path}: expected a JSON object`);
  return raw as Record<string, unknown>;
}

/**
 * The model config of an export folder (header). `graph` is decoded from the folder when config.json
 * lacks the position keys and none is given.
 */
export function onnxExportConfig(dir: string, configPath: string, graph?: ModelProto): ModelConfig {
  const raw = readJsonObject(configPath);
  const stated = typeof raw.use_relative_position === 'boolean';
  const facts = graph || !stated ? graphFacts(graph ?? readOnnxGraph(dir)) : undefined;
  const relative = stated ? (raw.use_relative_position as boolean) : facts!.maxRelativePosition !== undefined;
  const config = parseModelConfig(
    {
      ...raw,
      model_type: relative ? 'nezha' : 'bert',
      use_relative_position: relative,
      ...(!stated && relative ? { max_relative_position: facts!.maxRelativePosition } : {}),
    },
    configPath,
  );
  if (!facts) return config;
  const file = join(dir, ONNX_WEIGHTS);
  const graphSays = facts.maxRelativePosition === undefined ? 'absolute positions' : `relative positions clipped at ${facts.maxRelativePosition}`;
  const configSays = relative ? `relative positions clipped at ${config.maxRelativePosition}` : 'absolute positions';
  if (graphSays !== configSays) {
    throw new CheckpointError(`${configPath}: says ${configSays} but ${file} computes ${graphSays}; the files are not from one export`);
  }
  if (config.head === 'classification' && config.classifierRelu !== facts.classifierRelu) {
    throw new CheckpointError(
      `${configPath}: says classifier_relu ${config.classifierRelu} but ${file} ${facts.classifierRelu ? 'applies' : 'has no'} ReLU before the classifier; the files are not from one export`,
    );
  }
  return config;
}

/** The parameters of `config` found in the float32 graph; missing ones are left for the caller to report. */
export function onnxParams(model: ModelProto, config: ModelConfig, file: string): TensorMap {
  const initializers = new Map(model.graph.initializer.map((t) => [t.name, t]));
  const tensors: TensorMap = new Map();
  for (const spec of modelParams(config)) {
    const { initializer, transposed } = storedAs(spec.name, spec.shape);
    const t = initializers.get(initializer);
    if (!t) continue;
    const dims = t.dims.map(Number);
    const bytes = t.raw_data ?? new Uint8Array();
    if (t.data_type !== DataType.FLOAT || bytes.byteLength !== 4 * numel(dims)) {
      throw new CheckpointError(
        `${file}: initializer ${initializer} has data type ${t.data_type} and ${bytes.byteLength} raw bytes; expected float32 (1) raw_data of ${4 * numel(dims)} bytes for [${dims}]`,
      );
    }
    const data = new Float32Array(new Uint8Array(bytes).buffer); // copied: raw_data need not be 4-byte aligned
    const [R, C] = dims as [number, number];
    tensors.set(spec.name, transposed && dims.length === 2
      ? { shape: [C, R], data: transpose(data, R, C), dtype: 'F32' }
      : { shape: dims, data, dtype: 'F32' });
  }
  return tensors;
}

/** Config and parameters of an export folder. */
export function readOnnxExport(dir: string, configPath: string): OnnxExport {
  const graph = readOnnxGraph(dir);
  const config = onnxExportConfig(dir, configPath, graph);
  const file = join(dir, ONNX_WEIGHTS);
  return { config, tensors: onnxParams(graph, config, file), file };
}
