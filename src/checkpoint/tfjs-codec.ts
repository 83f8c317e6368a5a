/**
 * The TensorFlow.js weights format, encoded and decoded in memory: no Node imports, so a browser
 * bundle can import `decodeTfjsWeights` alone (tfjs-weights.ts adds the Node file I/O).
 *
 *   model.json   { "format": "tinybert-weights", "generatedBy": "tinybert", ...extra,
 *                  "weightsManifest": [ { "paths": ["group1-shard1of2.bin", "group1-shard2of2.bin"],
 *                                         "weights": [ { "name", "shape", "dtype": "float32" }, ...,
 *                                                      { ..., "quantization": { "dtype": "float16" } } ] } ] }
 *   shards       a group's weights' little-endian bytes concatenated in manifest order, then cut
 *                into files of `shardBytes` (the last one shorter); a weight may span two shards.
 *
 * These are tfjs-core's `WeightsManifestConfig` conventions (io/types.ts), so `tf.io.decodeWeights`
 * and `tf.io.loadWeights` read the files too. float16 weights are declared float32 with a float16
 * quantization, which tfjs widens when loading.
 */
import { CheckpointError } from '../errors.js';
import {
  checkTensor, decodeFloats, DTYPE_BYTES, float32Bytes, float32ToFloat16, isShape, numel, type TensorMap,
} from './tensor-map.js';

export interface TfjsWeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  quantization?: { dtype: 'float16' };
}

export interface TfjsWeightsGroup {
  paths: string[];
  weights: TfjsWeightEntry[];
}

export interface TfjsModelJson {
  format: string;
  generatedBy: string;
  weightsManifest: TfjsWeightsGroup[];
  [key: string]: unknown;
}

export interface TfjsWriteOptions {
  /** Storage dtype of every weight; default float32. */
  dtype?: 'float32' | 'float16';
  /** Bytes per shard file; default 4 MiB, as tensorflowjs_converter. */
  shardBytes?: number;
  /** More top-level model.json fields (e.g. the model config); may not set weightsManifest. */
  modelJsonExtra?: object;
}

export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;
export const TFJS_FORMAT = 'tinybert-weights';
const GENERATED_BY = 'tinybert';

/** tfjs's shard naming: group<g>-shard<i>of<n>.bin, 1-based. */
export function shardName(group: number, index: number, count: number): string {
  return `group${group}-shard${index}of${count}.bin`;
}

/**
 * The model.json object and a lazy sequence of shard contents (one shard in memory at a time).
 * Every tensor goes in one group, in the map's order.
 */
export function encodeTfjsWeights(tensors: TensorMap, opts: TfjsWriteOptions = {}, file = 'model.json'):
  { modelJson: TfjsModelJson; shards: Iterable<Uint8Array> } {
  const half = opts.dtype === 'float16';
  const shardBytes = opts.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!Number.isSafeInteger(shardBytes) || shardBytes <= 0) {
    throw new CheckpointError(`${file}: shardBytes must be a positive integer, got ${shardBytes}`);
  }
  if (opts.modelJsonExtra && 'weightsManifest' in opts.modelJsonExtra) {
    throw new CheckpointError(`${file}: modelJsonExtra may not contain weightsManifest`);
  }
  const weights: TfjsWeightEntry[] = [];
  let total = 0;
  for (const [name, t] of tensors) {
    checkTensor(file, name, t);
    weights.push(half ? { name, shape: t.shape, dtype: 'float32', quantization: { dtype: 'float16' } } : { name, shape: t.shape, dtype: 'float32' });
    total += t.data.length * (half ? 2 : 4);
  }
  const count = Math.ceil(total / shardBytes);
  const paths = Array.from({ length: count }, (_, i) => shardName(1, i + 1, count));
  const modelJson: TfjsModelJson = {
    format: TFJS_FORMAT,
    generatedBy: GENERATED_BY,
    ...opts.modelJsonExtra,
    weightsManifest: [{ paths, weights }],
  };
  return { modelJson, shards: cutShards(tensors, half, total, shardBytes) };
}

function* cutShards(tensors: TensorMap, half: boolean, total: number, shardBytes: number): Generator<Uint8Array> {
  let shard = new Uint8Array(Math.min(shardBytes, total));
  let filled = 0;
  let emitted = 0;
  for (const t of tensors.values()) {
    const bytes = half ? float32ToFloat16(t.data) : float32Bytes(t.data);
    for (let at = 0; at < bytes.length;) {
      const n = Math.min(bytes.length - at, shard.length - filled);
      shard.set(bytes.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === shard.length) {
        yield shard;
        emitted += shard.length;
        shard = new Uint8Array(Math.min(shardBytes, total - emitted));
        filled = 0;
      }
    }
  }
}

/**
 * Decodes a weights manifest and its shard contents (all groups' paths, in manifest order) into
 * float32 tensors. `source` names the model.json in error messages.
 */
export function decodeTfjsWeights(
  modelJson: object,
  shards: ReadonlyArray<ArrayBuffer | ArrayBufferView>,
  source = 'model.json',
): TensorMap {
  const fail: (reason: string) => never = (reason) => {
    throw new CheckpointError(`${source}: ${reason}`);
  };
  const manifest = (modelJson as { weightsManifest?: unknown }).weightsManifest;
  if (!Array.isArray(manifest)) fail('no "weightsManifest" list; not a TensorFlow.js weights manifest');
  const groups = (manifest as unknown[]).map((g, gi) => {
    const { paths, weights } = (g ?? {}) as Partial<Record<'paths' | 'weights', unknown>>;
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string') || !Array.isArray(weights)) {
      fail(`weightsManifest[${gi}] must have "paths" (strings) and "weights" (a list)`);
    }
    return { paths: paths as string[], weights: weights as unknown[] };
  });
  const expectedShards = groups.reduce((n, g) => n + g.paths.length, 0);
  if (shards.length !== expectedShards) fail(`the manifest lists ${expectedShards} shard files but ${shards.length} were given`);

  const tensors: TensorMap = new Map();
  let firstShard = 0;
  groups.forEach(({ paths, weights }, gi) => {
    const reader = new ShardReader(shards.slice(firstShard, firstShard + paths.length).map(asBytes));
    firstShard += paths.length;
    for (const w of weights) {
      const { name, shape, dtype, quantization } = (w ?? {}) as Record<string, unknown>;
      if (typeof name !== 'string') fail(`weightsManifest[${gi}] has a weight without a name`);
      const label = `weight "${name as string}"`;
      if (!isShape(shape)) fail(`${label} has invalid shape ${JSON.stringify(shape)}`);
      if (dtype !== 'float32') fail(`${label} has dtype ${JSON.stringify(dtype)}; only float32 weights can be loaded`);
      const half = (quantization as { dtype?: unknown } | undefined)?.dtype === 'float16';
      if (quantization !== undefined && !half) {
        fail(`${label} has quantization ${JSON.stringify(quantization)}; only float16 is supported`);
      }
      if (tensors.has(name as string)) fail(`${label} appears twice in the manifest`);
      const dt = half ? 'F16' : 'F32';
      const bytes = reader.take(numel(shape as number[]) * DTYPE_BYTES[dt]) ??
        fail(`shards end inside ${label}; the manifest needs more bytes (truncated shard?)`);
      tensors.set(name as string, { shape: shape as number[], dtype: dt, data: decodeFloats(bytes, dt) });
    }
    if (reader.remaining > 0) fail(`weightsManifest[${gi}]: ${reader.remaining} trailing bytes in its shards after the last weight`);
  });
  return tensors;
}

function asBytes(b: ArrayBuffer | ArrayBufferView): Uint8Array {
  return b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Reads consecutive byte ranges across shard boundaries. */
class ShardReader {
  private shard = 0;
  private offset = 0;
  remaining: number;

  constructor(private readonly shards: Uint8Array[]) {
    this.remaining = shards.reduce((n, s) => n + s.length, 0);
  }

  /** The next n bytes (a view when they lie in one shard, else a copy), or undefined past the end. */
  take(n: number): Uint8Array | undefined {
    if (n > this.remaining) return undefined;
    this.remaining -= n;
    while (this.shard < this.shards.length && this.offset === this.shards[this.shard]!.length) this.next();
    const current = this.shards[this.shard];
    if (n === 0 || (current && this.offset + n <= current.length)) {
      const view = current ? current.subarray(this.offset, this.offset + n) : new Uint8Array(0);
      this.offset += n;
      return view;
    }
    const out = new Uint8Array(n);
    for (let filled = 0; filled < n;) {
      const s = this.shards[this.shard]!;
      const k = Math.min(n - filled, s.length - this.offset);
      out.set(s.subarray(this.offset, this.offset + k), filled);
      filled += k;
      this.offset += k;
      if (this.offset === s.length) this.next();
    }
    return out;
  }

  private next(): void {
    this.shard++;
    this.offset = 0;
  }
}
