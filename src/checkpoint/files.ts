/**
 * One entry point for reading weights whatever their format, decided by content, not by name:
 *   - a directory: TensorFlow.js weights (its model.json)
 *   - byte 8 is "{" and bytes 0-7 are a little-endian length that fits the file: safetensors
 *     (checked first: a header length's low byte may itself be "{" or "P")
 *   - "PK" (zip): torch.save since 1.6
 *   - 0x80 (a pickle stream): the legacy torch.save format (pre-1.6), read by pytorch.ts
 *   - first non-space byte "{": TensorFlow.js model.json
 *   - anything else: safetensors, whose reader names what is wrong with it
 */
import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { CheckpointError } from '../errors.js';
import { readPytorchBin } from './pytorch.js';
import { readSafetensors } from './safetensors.js';
import type { TensorMap } from './tensor-map.js';
import { readTfjsWeights } from './tfjs-weights.js';

export type WeightsFormat = 'safetensors' | 'pytorch' | 'tfjs';

export interface WeightsContents {
  tensors: TensorMap;
  format: WeightsFormat;
}

/** Bytes read to recognise a format. */
const SNIFF_BYTES = 16;
const JSON_OPEN_BRACE = 0x7b;
const SAFETENSORS_LENGTH_BYTES = 8;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Reads any supported weights file (or tfjs directory) into float32 tensors. */
export function readWeights(path: string): WeightsContents {
  const format = detectFormat(path);
  switch (format) {
    case 'tfjs':
      return { tensors: readTfjsWeights(path), format };
    case 'pytorch':
      return { tensors: readPytorchBin(path), format };
    case 'safetensors':
      return { tensors: readSafetensors(path).tensors, format };
  }
}

/** Recognises the format from the first bytes; a missing path is a CheckpointError naming it. */
export function detectFormat(path: string): WeightsFormat {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch {
    throw new CheckpointError(`${path}: weights file not found`);
  }
  if (stats.isDirectory()) return 'tfjs';
  const head = new Uint8Array(SNIFF_BYTES);
  let n: number;
  const fd = openSync(path, 'r');
  try {
    n = readSync(fd, head, 0, SNIFF_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  const bytes = head.subarray(0, n);
  if (n > SAFETENSORS_LENGTH_BYTES && bytes[SAFETENSORS_LENGTH_BYTES] === JSON_OPEN_BRACE) {
    const headerLength = new DataView(head.buffer).getBigUint64(0, true);
    if (headerLength + BigInt(SAFETENSORS_LENGTH_BYTES) <= BigInt(stats.size)) return 'safetensors';
  }
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return 'pytorch';
  if (bytes[0] === 0x80) return 'pytorch'; // a pickle stream: legacy torch.save; its reader says what is wrong
  const first = bytes.find((b) => !WHITESPACE.has(b));
  if (first === JSON_OPEN_BRACE) return 'tfjs';
  return 'safetensors';
}
