/**
 * Padding features into one batch of flat row-major arrays. Browser-safe (no file access): the
 * inference path of a classification model uses it in the browser too.
 */
import { DataError } from '../errors.js';
import type { Feature } from './features.js';

/** One batch as flat row-major arrays: ids, types and mask are [B, T]; labels [B]. */
export interface Batch {
  inputIds: Int32Array;
  tokenTypeIds: Int32Array;
  /** 1 on real tokens, 0 on padding. */
  attentionMask: Int32Array;
  /** Int32 class indices, or Float32 regression targets; absent for unlabelled data. */
  labels?: Int32Array | Float32Array;
  batchSize: number;
  seqLen: number;
  /** [B] index of each row's feature in the batcher's input (to put predictions back in order). */
  indices?: Int32Array;
  /** [B, T] 1 where a word begins, when every feature has word boundaries (whole-word and span masking). */
  wordStarts?: Uint8Array;
}

/** Pads `features` into one batch of length `seqLen` (default: the longest feature). */
export function collate(features: readonly Feature[], opts: { seqLen?: number; padId?: number; labelType?: 'int' | 'float' } = {}): Batch {
  const B = features.length;
  const longest = features.reduce((m, f) => Math.max(m, f.inputIds.length), 0);
  const T = opts.seqLen ?? longest;
  if (longest > T) throw new DataError(`a feature has ${longest} tokens, more than the batch length ${T}`);
  const inputIds = new Int32Array(B * T).fill(opts.padId ?? 0);
  const tokenTypeIds = new Int32Array(B * T);
  const attentionMask = new Int32Array(B * T);
  features.forEach((f, b) => {
    inputIds.set(f.inputIds, b * T);
    tokenTypeIds.set(f.tokenTypeIds, b * T);
    attentionMask.fill(1, b * T, b * T + f.inputIds.length);
  });
  const batch: Batch = { inputIds, tokenTypeIds, attentionMask, batchSize: B, seqLen: T };
  if (B > 0 && features.every((f) => f.wordStarts)) {
    batch.wordStarts = new Uint8Array(B * T);
    features.forEach((f, b) => batch.wordStarts!.set(f.wordStarts!, b * T));
  }
  const labelled = features.filter((f) => f.label !== undefined).length;
  if (labelled === B && B > 0) {
    const labels = opts.labelType === 'float' ? new Float32Array(B) : new Int32Array(B);
    features.forEach((f, b) => (labels[b] = f.label!));
    batch.labels = labels;
  } else if (labelled > 0) {
    throw new DataError(`a batch mixes labelled and unlabelled features (${labelled} of ${B} labelled)`);
  }
  return batch;
}
