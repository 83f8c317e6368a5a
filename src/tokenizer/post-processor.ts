/**
 * Model inputs from word pieces, exactly as TinyBERT's `task_distill.py`
 * `convert_examples_to_features` builds them:
 *
 *   single: [CLS] a [SEP]            a truncated to maxLength - 2
 *   pair:   [CLS] a [SEP] b [SEP]    `_truncate_seq_pair(a, b, maxLength - 3)`
 *
 * token type 0 up to and including the first [SEP], 1 on b and its [SEP]; padding with id 0,
 * type 0, mask 0 (the literal 0 of the reference, which is [PAD] in BERT vocabularies).
 * As in the reference, an empty `textB` means "no pair", and a `textB` that tokenizes to nothing
 * still truncates a to maxLength - 3 but adds no second [SEP].
 */
import { DataError, show } from '../errors.js';

/** One encoded example; all arrays have `length` entries, or maxLength with padding. */
export interface Encoding {
  tokens: string[];
  inputIds: number[];
  tokenTypeIds: number[];
  attentionMask: number[];
  /** [start, end) UTF-16 offsets into the text the token came from; null for specials / padding. */
  offsets: ([number, number] | null)[];
  /** 0 = from text a, 1 = from text b, -1 = special token or padding. */
  segment: number[];
  /** Real tokens including [CLS]/[SEP], i.e. the number of 1s in attentionMask. */
  length: number;
}

export interface EncodeOptions {
  maxLength?: number;
  padToMaxLength?: boolean;
}

/** Word pieces of one text with their ids and source offsets (parallel arrays). */
export interface PieceSequence {
  tokens: string[];
  ids: number[];
  offsets: [number, number][];
}

export interface SpecialTokens {
  cls: { token: string; id: number };
  sep: { token: string; id: number };
  /** The token shown at padded positions (the vocabulary's id 0). */
  padToken: string;
}

/**
 * The reference `_truncate_seq_pair`: while the total is over `maxTokens`, pop the last piece of
 * the longer sequence, of b when they are equally long. Returns how many pieces of a and b to keep.
 */
export function truncateSeqPair(lengthA: number, lengthB: number, maxTokens: number): [number, number] {
  let a = lengthA;
  let b = lengthB;
  while (a + b > maxTokens) {
    if (a > b) a--;
    else b--;
  }
  return [a, b];
}

export function buildEncoding(
  a: PieceSequence,
  b: PieceSequence | null,
  special: SpecialTokens,
  { maxLength, padToMaxLength = false }: EncodeOptions = {},
): Encoding {
  const reserved = b ? 3 : 2;
  if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < reserved)) {
    throw new DataError(
      `maxLength ${show(maxLength)} is too small: ${b ? 'a pair' : 'one text'} needs at least ${reserved} positions for special tokens`,
    );
  }
  if (padToMaxLength && maxLength === undefined) {
    throw new DataError('padToMaxLength needs a maxLength');
  }
  let keepA = a.tokens.length;
  let keepB = b ? b.tokens.length : 0;
  if (maxLength !== undefined) {
    if (b) [keepA, keepB] = truncateSeqPair(keepA, keepB, maxLength - 3);
    else keepA = Math.min(keepA, maxLength - 2);
  }

  const enc: Encoding = {
    tokens: [],
    inputIds: [],
    tokenTypeIds: [],
    attentionMask: [],
    offsets: [],
    segment: [],
    length: 0,
  };
  const push = (token: string, id: number, type: number, offset: [number, number] | null, segment: number) => {
    enc.tokens.push(token);
    enc.inputIds.push(id);
    enc.tokenTypeIds.push(type);
    enc.attentionMask.push(1);
    enc.offsets.push(offset);
    enc.segment.push(segment);
  };
  const pushSequence = (seq: PieceSequence, keep: number, type: number) => {
    for (let i = 0; i < keep; i++) push(seq.tokens[i], seq.ids[i], type, seq.offsets[i], type);
  };

  push(special.cls.token, special.cls.id, 0, null, -1);
  pushSequence(a, keepA, 0);
  push(special.sep.token, special.sep.id, 0, null, -1);
  if (b && keepB > 0) {
    pushSequence(b, keepB, 1);
    push(special.sep.token, special.sep.id, 1, null, -1);
  }
  enc.length = enc.inputIds.length;

  if (padToMaxLength && maxLength !== undefined) {
    for (let i = enc.length; i < maxLength; i++) {
      enc.tokens.push(special.padToken);
      enc.inputIds.push(0);
      enc.tokenTypeIds.push(0);
      enc.attentionMask.push(0);
      enc.offsets.push(null);
      enc.segment.push(-1);
    }
  }
  return enc;
}
