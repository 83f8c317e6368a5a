/**
 * Model inputs before batching: unpadded token ids with [CLS]/[SEP] and token types, plus the
 * label. Padding is the batcher's job, so that a batch can be padded to its own longest example.
 * Tokenization and truncation are the tokenizer's (`BertTokenizer.encode`, which follows the
 * reference `convert_examples_to_features`); anything with that `encode` works, e.g. a test fake.
 */
import type { Example } from './classification.js';

export interface Feature {
  /** [T] token ids, [CLS] ... [SEP] (... [SEP]), no padding. */
  inputIds: number[];
  /** [T] 0 for the first segment, 1 for the second. */
  tokenTypeIds: number[];
  /** Class index, or regression target; absent for unlabelled data. */
  label?: number;
  /** [T] 1 where a word begins ([CLS]/[SEP] included): corpus features with word boundaries, for whole-word and span masking. */
  wordStarts?: number[];
}

/** The slice of the tokenizer API features need (src/tokenizer BertTokenizer has it). */
export interface Encoder {
  encode(
    textA: string,
    textB?: string | null,
    opts?: { maxLength?: number; padToMaxLength?: boolean },
  ): { inputIds: number[]; tokenTypeIds: number[]; length: number };
}

/** Turns examples into unpadded features of at most `maxSeqLength` tokens (>= 3: the recipe schema checks it). */
export function toFeatures(examples: readonly Example[], encoder: Encoder, maxSeqLength: number): Feature[] {
  return examples.map((ex) => {
    const enc = encoder.encode(ex.textA, ex.textB ?? null, { maxLength: maxSeqLength, padToMaxLength: false });
    const feature: Feature = {
      inputIds: enc.inputIds.slice(0, enc.length),
      tokenTypeIds: enc.tokenTypeIds.slice(0, enc.length),
    };
    if (!Number.isNaN(ex.label)) feature.label = ex.label;
    return feature;
  });
}

/** `[CLS] ids [SEP]` with token type 0: a packed corpus sequence as model input. */
export function corpusFeature(ids: readonly number[], clsId: number, sepId: number, wordStarts?: readonly number[]): Feature {
  const f: Feature = { inputIds: [clsId, ...ids, sepId], tokenTypeIds: new Array<number>(ids.length + 2).fill(0) };
  if (wordStarts) f.wordStarts = [1, ...wordStarts, 1];
  return f;
}

/** Number of real tokens of a feature. */
export function featureLength(f: Feature): number {
  return f.inputIds.length;
}
