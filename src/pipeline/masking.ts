/**
 * Masked-LM corruption for the pretrain stage, by the stage's `masking`:
 *
 *   token       BERT (Devlin et al. 2019, §3.1): each real token other than [CLS]/[SEP] is chosen
 *               with probability p.
 *   whole-word  Google's whole-word masking (BERT README, 2019-05-31; Cui et al. 2019 and NEZHA-WWM
 *               for Chinese): words in random order, all pieces of a word together, until the budget
 *               round(p·n) of a row's n real pieces is reached (a word that would overshoot is skipped).
 *   span        SpanBERT (Joshi et al. 2020, §3.1): a span length ℓ in words from Geo(0.2) truncated
 *               to 1..10 and renormalised (SpanBERT's code; mean 3.8), a span of ℓ whole words from a
 *               random start word, repeated until the same budget (the last span ends at the
 *               word boundary nearest it).
 *
 * Words are the segmenter's (src/tokenizer/segmenter.ts, jieba), mapped to word pieces by
 * `wordPieces`; a batch without `wordStarts` treats every piece as a word, so span lengths then
 * count pieces. A chosen unit becomes [MASK] 80% of the time, random word pieces 10%, stays 10%:
 * per token in token mode (BERT), per word or span otherwise (as SpanBERT §3.1 does: a piece left visible
 * would give its word away). Labels hold the original id at chosen positions and -1 elsewhere
 * (ignored by the loss). Seeded per step, so a resumed run masks the same tokens.
 */
import type { Batch, WordPieces } from '../data/index.js';
import { Rng } from '../data/rng.js';
import type { Stage } from '../recipe/schema.js';
import type { BertTokenizer } from '../tokenizer/index.js';
import { wordSpans } from '../tokenizer/segmenter.js';

export interface MaskIds {
  maskId: number;
  vocabSize: number;
  /** Ids never chosen: [CLS], [SEP], [PAD]. */
  special: ReadonlySet<number>;
}

export type MaskingMode = Stage['masking'];

/** SpanBERT's span-length distribution: Geo(p) over 1..max, renormalised. */
export const SPAN_LENGTH = { p: 0.2, max: 10 } as const;

/** A word of a row as [start, end) flat indices into the batch's [B·T] arrays. */
export type Word = [number, number];

/** The corrupted batch of `mode` (token: exactly `maskTokens`). */
export function maskBatch(batch: Batch, ids: MaskIds, mode: MaskingMode, probability: number, seed: number): Batch {
  return mode === 'token' ? maskTokens(batch, ids, probability, seed) : maskUnits(batch, ids, mode, probability, seed);
}

export function maskTokens(batch: Batch, ids: MaskIds, probability: number, seed: number): Batch {
  const rng = Rng.fromSeed(seed);
  const inputIds = Int32Array.from(batch.inputIds); // [B·T]
  const labels = new Int32Array(inputIds.length).fill(-1); // [B·T]
  for (let i = 0; i < inputIds.length; i++) {
    if (batch.attentionMask[i] === 0 || ids.special.has(inputIds[i])) continue;
    if (rng.next() >= probability) continue;
    labels[i] = inputIds[i];
    const r = rng.next();
    if (r < 0.8) inputIds[i] = ids.maskId;
    else if (r < 0.9) inputIds[i] = rng.int(ids.vocabSize);
  }
  return { ...batch, inputIds, labels };
}

/** Whole-word or span masking: units of whole words chosen per row, each replaced as one. */
function maskUnits(batch: Batch, ids: MaskIds, mode: 'whole-word' | 'span', probability: number, seed: number): Batch {
  const rng = Rng.fromSeed(seed);
  const inputIds = Int32Array.from(batch.inputIds); // [B·T]
  const labels = new Int32Array(inputIds.length).fill(-1); // [B·T]
  for (let row = 0; row < batch.batchSize; row++) {
    const words = rowWords(batch, ids, row);
    for (const unit of chooseUnits(words, budget(words, probability), mode, rng)) {
      const r = rng.next();
      for (const w of unit) {
        for (let i = words[w][0]; i < words[w][1]; i++) {
          labels[i] = inputIds[i];
          if (r < 0.8) inputIds[i] = ids.maskId;
          else if (r < 0.9) inputIds[i] = rng.int(ids.vocabSize);
        }
      }
    }
  }
  return { ...batch, inputIds, labels };
}

/** The words of one row: runs of real, non-special pieces, split where `wordStarts` says a word begins. */
export function rowWords(batch: Batch, ids: MaskIds, row: number): Word[] {
  const words: Word[] = [];
  let open = -1;
  const from = row * batch.seqLen;
  const to = from + batch.seqLen;
  for (let i = from; i <= to; i++) {
    const candidate = i < to && batch.attentionMask[i] !== 0 && !ids.special.has(batch.inputIds[i]);
    if (open >= 0 && (!candidate || !batch.wordStarts || batch.wordStarts[i])) {
      words.push([open, i]);
      open = -1;
    }
    if (candidate && open < 0) open = i;
  }
  return words;
}

/** Pieces to choose in a row: round(p·n) of its n candidate pieces, at least 1 (Google's create_pretraining_data.py). */
export function budget(words: readonly Word[], probability: number): number {
  const n = words.reduce((s, [a, b]) => s + b - a, 0);
  return n === 0 ? 0 : Math.max(1, Math.round(n * probability));
}

/**
 * Units of word indices, each masked as one. whole-word: single words in random order, a word that
 * would take the row past its budget skipped. span: runs of adjacent untaken words, the last run
 * ending at the word boundary nearest the budget. Either way a row's first word is taken whatever
 * its size, so every row with text gets a prediction.
 */
export function chooseUnits(words: readonly Word[], limit: number, mode: 'whole-word' | 'span', rng: Rng): number[][] {
  const units: number[][] = [];
  let chosen = 0;
  const fits = (w: number) => chosen === 0 || chosen + words[w][1] - words[w][0] <= limit;
  if (mode === 'whole-word') {
    for (const w of rng.permutation(words.length)) {
      if (chosen >= limit) break;
      if (!fits(w)) continue;
      units.push([w]);
      chosen += words[w][1] - words[w][0];
    }
    return units;
  }
  const taken = new Uint8Array(words.length);
  // free[w]: untaken words in one run of text from w on (a span never crosses [SEP] or padding).
  const free = new Int32Array(words.length + 1);
  // A drawn length may fit nowhere (a short row, a nearly full one): a bounded number of draws ends the search.
  for (let tries = 0; chosen < limit && tries < MAX_SPAN_DRAWS; tries++) {
    for (let w = words.length - 1; w >= 0; w--) {
      const joined = w + 1 < words.length && words[w + 1][0] === words[w][1];
      free[w] = taken[w] ? 0 : 1 + (joined ? free[w + 1] : 0);
    }
    // The length is drawn first and the start among the places it fits, so lengths keep their distribution.
    const length = spanLength(rng);
    const starts: number[] = [];
    for (let w = 0; w < words.length; w++) if (free[w] >= length) starts.push(w);
    if (!starts.length) continue;
    const unit: number[] = [];
    for (let w = starts[rng.int(starts.length)]; unit.length < length; w++) {
      const size = words[w][1] - words[w][0];
      // The budget ends inside this word: take it if that lands nearer the budget than stopping before it.
      if (!fits(w) && chosen + size - limit >= limit - chosen) break;
      unit.push(w);
      taken[w] = 1;
      chosen += size;
      if (chosen >= limit) break;
    }
    if (unit.length) units.push(unit);
    // Cut short by the budget: the row is full to within half a word (SpanBERT stops there too).
    if (unit.length < length) break;
  }
  return units;
}

/** Span draws per row before giving up on the rest of its budget. */
const MAX_SPAN_DRAWS = 200;

const SPAN_CDF = (() => {
  const { p, max } = SPAN_LENGTH;
  const weights = Array.from({ length: max }, (_, i) => p * (1 - p) ** i);
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  return weights.map((w) => (acc += w / total));
})();

/** A span length in words, 1..SPAN_LENGTH.max, from the truncated geometric distribution. */
export function spanLength(rng: Rng): number {
  const r = rng.next();
  const i = SPAN_CDF.findIndex((c) => r < c);
  return i < 0 ? SPAN_CDF.length : i + 1;
}

/**
 * Word-piece ids of `text` and where its words begin: a piece begins a word when its first
 * character begins a segmenter word, so a piece spanning two segmenter words joins them into one
 * unit and no word is ever split between a masked and an unmasked piece.
 */
export function wordPieces(tokenizer: BertTokenizer, text: string): WordPieces {
  const { tokens, offsets } = tokenizer.tokenizeWithOffsets(text);
  const starts = new Set(wordSpans(text).map(([start]) => start));
  return { ids: tokenizer.convertTokensToIds(tokens), wordStarts: offsets.map(([start], i) => (i === 0 || starts.has(start) ? 1 : 0)) };
}
