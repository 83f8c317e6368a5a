/**
 * TensorFlow.js weights on disk: a directory holding `model.json` (the weights manifest) and its
 * shard files, laid out as tfjs-codec.ts describes. This file does the Node I/O; browser code
 * imports `decodeTfjsWeights` from tfjs-codec.ts, which has no Node imports.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { CheckpointError } from '../errors.js';
import { readFileBytes, writeFileAtomic } from './file-io.js';
import type { TensorMap } from './tensor-map.js';
import { decodeTfjsWeights, encodeTfjsWeights, type TfjsWriteOptions } from './tfjs-codec.js';

export { decodeTfjsWeights, encodeTfjsWeights, DEFAULT_SHARD_BYTES, TFJS_FORMAT } from './tfjs-codec.js';
export type { TfjsModelJson, TfjsWeightEntry, TfjsWeightsGroup, TfjsWriteOptions } from './tfjs-codec.js';

export const MODEL_JSON = 'model.json';
/** Shard files a previous write may have left (tfjs naming). */
const SHARD_FILE = /^group\d+-shard\d+of\d+\.bin$/;

/**
 * Writes `dir/model.json` and its shards. Each file is replaced atomically, shards first and
 * model.json last, so model.json never lists a shard that is not there yet; shards of an older,
 * larger write are removed afterwards.
 */
export function writeTfjsWeights(dir: string, tensors: TensorMap, opts: TfjsWriteOptions = {}): void {
  const modelJsonPath = join(dir, MODEL_JSON);
  const { modelJson, shards } = encodeTfjsWeights(tensors, opts, modelJsonPath);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new CheckpointError(`${dir}: cannot create weights directory (${(e as Error).message})`);
  }
  const paths = modelJson.weightsManifest[0]!.paths;
  let i = 0;
  for (const shard of shards) writeFileAtomic(join(dir, paths[i++]!), [shard]);
  writeFileAtomic(modelJsonPath, [new TextEncoder().encode(`${JSON.stringify(modelJson, null, 1)}\n`)]);
  const current = new Set(paths);
  for (const f of readdirSync(dir)) {
    if (SHARD_FILE.test(f) && !current.has(f)) rmSync(join(dir, f), { force: true });
  }
}

/** Reads TensorFlow.js weights from a directory holding model.json, or from the model.json path. */
export function readTfjsWeights(path: string): TensorMap {
  let modelJsonPath = path;
  try {
    if (statSync(path).isDirectory()) modelJsonPath = join(path, MODEL_JSON);
  } catch {
    throw new CheckpointError(`${path}: weights file not found`);
  }
  const text = new TextDecoder().decode(readFileBytes(modelJsonPath));
  let modelJson: unknown;
  try {
    modelJson = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${modelJsonPath}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof modelJson !== 'object' || modelJson === null || Array.isArray(modelJson)) {
    throw new CheckpointError(`${modelJsonPath}: expected a JSON object with a weightsManifest`);
  }
  const manifest = (modelJson as { weightsManifest?: unknown }).weightsManifest;
  const paths = Array.isArray(manifest) ? manifest.flatMap((g) => (Array.isArray(g?.paths) ? (g.paths as unknown[]) : [])) : [];
  const shards = paths.map((p) => readFileBytes(shardPath(modelJsonPath, p)));
  return decodeTfjsWeights(modelJson, shards, modelJsonPath);
}

/** Shard paths are relative to model.json and may not leave its directory. */
function shardPath(modelJsonPath: string, p: unknown): string {
  if (typeof p !== 'string' || p === '' || isAbsolute(p) || normalize(p).split(/[\\/]/).includes('..')) {
    throw new CheckpointError(`${modelJsonPath}: shard path ${JSON.stringify(p)} must be a file name relative to model.json`);
  }
  return join(dirname(modelJsonPath), p);
}
