/**
 * safetensors (https://github.com/huggingface/safetensors), the format Hugging Face writes as
 * `model.safetensors`. Byte layout:
 *
 *   [0, 8)        N: unsigned 64-bit little-endian length of the header
 *   [8, 8+N)      header: UTF-8 JSON object, optionally padded with trailing spaces
 *                   { "__metadata__": { string: string },                 (optional)
 *                     "<name>": { "dtype": "F32", "shape": [d0, ...],
 *                                 "data_offsets": [begin, end] }, ... }
 *   [8+N, EOF)    data: raw little-endian tensor bytes; offsets are relative to 8+N, and the
 *                 tensors tile the data exactly (no gaps, no overlaps, nothing after the last)
 *
 * The reader validates the whole header before slicing any data and names the reason for every
 * rejection. It accepts F32, F16 and BF16 and widens them to float32. The writer emits F32 (or F16,
 * rounding to nearest even), pads the header with spaces to a multiple of 8 so the data stays
 * aligned, keeps the map's order, and replaces the file atomically.
 */
import { basename } from 'node:path';
import { CheckpointError } from '../errors.js';
import { readFileBytes, writeFileAtomic } from './file-io.js';
import {
  BUFFER_DTYPE_BYTES,
  checkTensor,
  decodeFloats,
  DTYPE_BYTES,
  float32Bytes,
  float32ToFloat16,
  INTEGER_BUFFER,
  isShape,
  numel,
  type DType,
  type TensorMap,
} from './tensor-map.js';

/** Bytes of the little-endian header length that starts the file. */
const LENGTH_BYTES = 8;
/** Header lengths above this are corrupt (the reference implementation uses the same 100 MB cap). */
export const MAX_HEADER_BYTES = 100_000_000;
/** Header padding: the data section starts on a multiple of this. */
const HEADER_ALIGN = 8;
const METADATA_KEY = '__metadata__';
const SPACE = 0x20;

export interface SafetensorsContents {
  tensors: TensorMap;
  metadata: Record<string, string> | undefined;
}

export interface SafetensorsWriteOptions {
  /** dtype written for every tensor; default F32. */
  dtype?: 'F32' | 'F16';
  /** `__metadata__` entries; `format: "pt"` is added unless given (transformers requires it). */
  metadata?: Record<string, string>;
}

/** Reads a .safetensors file into float32 tensors (in data order) and its metadata. */
export function readSafetensors(path: string): SafetensorsContents {
  return decodeSafetensors(readFileBytes(path), basename(path));
}

interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/** Decodes the bytes of a safetensors file; `file` names it in error messages. */
export function decodeSafetensors(bytes: Uint8Array, file: string): SafetensorsContents {
  const fail: (reason: string) => never = (reason) => {
    throw new CheckpointError(`${file}: ${reason}`);
  };
  if (bytes.length < LENGTH_BYTES) {
    fail(`file is ${bytes.length} bytes, shorter than the ${LENGTH_BYTES}-byte header length of a safetensors file`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length ${headerLength} is absurd (limit ${MAX_HEADER_BYTES} bytes); not a safetensors file or corrupted`);
  }
  const n = Number(headerLength);
  if (LENGTH_BYTES + n > bytes.length) {
    fail(`header length ${n} runs past the end of the file (${bytes.length} bytes); the file is truncated or corrupted`);
  }
  const headerBytes = bytes.subarray(LENGTH_BYTES, LENGTH_BYTES + n);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    fail(`header is not a JSON object (found ${Array.isArray(header) ? 'an array' : JSON.stringify(header)})`);
  }
  const fields = header as Record<string, unknown>;
  const metadata = parseMetadata(fields[METADATA_KEY], fail);
  const dataLength = bytes.length - LENGTH_BYTES - n;
  const entries: Entry[] = [];
  const buffers = new Set<string>();
  for (const [name, info] of Object.entries(fields)) {
    if (name === METADATA_KEY) continue;
    const d = (info as { dtype?: unknown } | null)?.dtype;
    if (INTEGER_BUFFER.test(name) && typeof d === 'string' && d in BUFFER_DTYPE_BYTES) buffers.add(name);
    entries.push(parseEntry(name, info, dataLength, fail));
  }
  checkTiling(entries, dataLength, fail);

  const data = bytes.subarray(LENGTH_BYTES + n);
  const tensors: TensorMap = new Map();
  for (const e of entries) {
    if (buffers.has(e.name)) continue; // validated for layout, but not a parameter
    tensors.set(e.name, { shape: e.shape, dtype: e.dtype, data: decodeFloats(data.subarray(e.begin, e.end), e.dtype) });
  }
  return { tensors, metadata };
}

function parseMetadata(value: unknown, fail: (r: string) => never): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`"${METADATA_KEY}" must be an object of strings, found ${JSON.stringify(value)}`);
  }
  for (const [k, v] of Object.entries(value as object)) {
    if (typeof v !== 'string') fail(`"${METADATA_KEY}" entry "${k}" must be a string, found ${JSON.stringify(v)}`);
  }
  return value as Record<string, string>;
}

function parseEntry(name: string, info: unknown, dataLength: number, fail: (r: string) => never): Entry {
  if (typeof info !== 'object' || info === null || Array.isArray(info)) {
    fail(`tensor "${name}": header entry must be an object with dtype, shape and data_offsets`);
  }
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  const bufferBytes = INTEGER_BUFFER.test(name) && typeof dtype === 'string' ? BUFFER_DTYPE_BYTES[dtype] : undefined;
  if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16' && bufferBytes === undefined) {
    fail(`tensor "${name}" has unsupported dtype ${JSON.stringify(dtype)}; only F32, F16 and BF16 can be loaded`);
  }
  if (!isShape(shape)) {
    fail(`tensor "${name}" has invalid shape ${JSON.stringify(shape)}; expected a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !isShape(offsets)) {
    fail(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}; expected [begin, end]`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(`tensor "${name}" has data_offsets [${begin}, ${end}] with begin after end`);
  if (end > dataLength) {
    fail(`tensor "${name}" has data_offsets [${begin}, ${end}] out of range: the data section has ${dataLength} bytes (truncated file?)`);
  }
  const expected = numel(shape) * (bufferBytes ?? DTYPE_BYTES[dtype as DType]);
  if (end - begin !== expected) {
    fail(`tensor "${name}" occupies ${end - begin} bytes but ${dtype} [${shape.join(', ')}] needs ${expected}`);
  }
  return { name, dtype: (bufferBytes === undefined ? dtype : 'F32') as DType, shape, begin, end };
}

/** The tensors, sorted by offset, must cover [0, dataLength) exactly. Sorts `entries` in place. */
function checkTiling(entries: Entry[], dataLength: number, fail: (r: string) => never): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  let previous = '';
  for (const e of entries) {
    if (e.begin < position) {
      fail(`tensor "${e.name}" data_offsets [${e.begin}, ${e.end}] overlap tensor "${previous}" (ends at ${position})`);
    }
    if (e.begin > position) {
      fail(`data_offsets are not contiguous: bytes [${position}, ${e.begin}) before tensor "${e.name}" belong to no tensor`);
    }
    position = e.end;
    previous = e.name;
  }
  if (position !== dataLength) {
    fail(`${dataLength - position} trailing bytes after the last tensor (data section ${dataLength} bytes, tensors end at ${position})`);
  }
}

/** Writes tensors as a safetensors file, atomically. */
export function writeSafetensors(path: string, tensors: TensorMap, opts: SafetensorsWriteOptions = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, opts, basename(path)));
}

/** The file's bytes as chunks: length, padded header, then each tensor's data. */
export function encodeSafetensors(tensors: TensorMap, opts: SafetensorsWriteOptions = {}, file = 'safetensors'): Uint8Array[] {
  const dtype = opts.dtype ?? 'F32';
  const header: Record<string, unknown> = { [METADATA_KEY]: { format: 'pt', ...opts.metadata } };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    checkTensor(file, name, t);
    if (name === METADATA_KEY) throw new CheckpointError(`${file}: "${METADATA_KEY}" is reserved and cannot name a tensor`);
    const bytes = dtype === 'F32' ? float32Bytes(t.data) : float32ToFloat16(t.data);
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = new Uint8Array(Math.ceil(json.length / HEADER_ALIGN) * HEADER_ALIGN).fill(SPACE);
  padded.set(json);
  const length = new Uint8Array(LENGTH_BYTES);
  new DataView(length.buffer).setBigUint64(0, BigInt(padded.length), true);
  return [length, padded, ...chunks];
}
