/**
 * Model inputs for token classification: word pieces aligned to input tokens, and windows.
 *
 * Each input token (a character in Chinese data) is tokenized on its own; its tag goes on its first
 * word piece, every other piece, [CLS], [SEP] and padding get IGNORE_INDEX, which the loss, the
 * distillation target and the metric skip. A token the tokenizer drops (whitespace, control
 * characters) becomes one [UNK] piece, so every input token has a position and gets exactly one
 * prediction; a token that maps to [UNK] keeps that piece.
 *
 * A sentence longer than max_seq_length - 2 pieces is split into overlapping windows whose starts
 * are about `stride` pieces apart (BERT's doc_stride), always on token boundaries and never leaving
 * a gap. Merging takes each token's prediction from the window where it is most central (the
 * "max context" rule of BERT's run_squad.py, counted in tokens), so nothing is truncated. The one
 * exception is a single token of more than max_seq_length - 2 pieces: it keeps its first pieces,
 * which still carry its prediction.
 */
import { ShapeError } from '../../errors.js';
import type { BertTokenizer } from '../../tokenizer/index.js';
import { IGNORE_INDEX } from './tags.js';

/** What features need from a tokenizer (BertTokenizer has it). */
export type PieceTokenizer = Pick<BertTokenizer, 'tokenize' | 'convertTokensToIds' | 'unkId' | 'clsId' | 'sepId' | 'padId'>;

export interface WindowOptions {
  /** Positions per window, [CLS] and [SEP] included. */
  maxSeqLength: number;
  /** Word pieces between the starts of consecutive windows, 1 ≤ stride ≤ maxSeqLength - 2. */
  stride: number;
}

/** Input tokens [start, end) of a sentence that one window holds. */
export interface TokenRange {
  start: number;
  end: number;
}

/** One window of one sentence, padded to maxSeqLength. */
export interface TokenWindow extends TokenRange {
  inputIds: number[]; // [T]
  tokenTypeIds: number[]; // [T]
  attentionMask: number[]; // [T]
  /** The token's label id on its first piece, IGNORE_INDEX elsewhere. */
  labelIds: number[]; // [T]
  /**
   * 1 on each token's first piece, 0 elsewhere, labels or not: the positions the distillation
   * target and predictions read (unlabelled windows have no label ids to tell them apart).
   */
  tokenMask: number[]; // [T]
  /** `firstPiece[k]`: the position of the first piece of token `start + k`. */
  firstPiece: number[];
}

/** Word-piece ids of each token; a token the tokenizer drops becomes one [UNK]. */
export function tokenPieces(tokenizer: PieceTokenizer, tokens: readonly string[]): number[][] {
  return tokens.map((t) => {
    const pieces = tokenizer.tokenize(t);
    return pieces.length ? tokenizer.convertTokensToIds(pieces) : [tokenizer.unkId];
  });
}

function checkOptions({ maxSeqLength, stride }: WindowOptions): number {
  const budget = maxSeqLength - 2;
  if (!Number.isInteger(maxSeqLength) || budget < 1) {
    throw new ShapeError(`max_seq_length ${maxSeqLength} leaves no room for a token between [CLS] and [SEP]; expected an integer ≥ 3`);
  }
  if (!Number.isInteger(stride) || stride < 1 || stride > budget) {
    throw new ShapeError(`stride ${stride} must be an integer from 1 to max_seq_length - 2 = ${budget}, or windows would leave tokens out`);
  }
  return budget;
}

/**
 * Token ranges of the windows for tokens of `pieceCounts[i]` pieces each. Consecutive ranges
 * overlap or touch, the first starts at 0, the last ends at the sentence end, and each holds at
 * most maxSeqLength - 2 pieces (an overlong token counted as truncated).
 */
export function planWindows(pieceCounts: readonly number[], opts: WindowOptions): TokenRange[] {
  const budget = checkOptions(opts);
  const n = pieceCounts.length;
  const cost = pieceCounts.map((c) => Math.min(c, budget));
  const out: TokenRange[] = [];
  let start = 0;
  for (;;) {
    let end = start;
    for (let used = 0; end < n && used + cost[end] <= budget; end++) used += cost[end];
    out.push({ start, end });
    if (end >= n) return out;
    let next = start + 1;
    for (let skipped = cost[start]; next < end && skipped < opts.stride; next++) skipped += cost[next];
    start = next;
  }
}

/**
 * The windows of one sentence. `labelIds` has one id per token (omit it for prediction, and every
 * position gets IGNORE_INDEX).
 */
export function tokenWindows(
  pieces: readonly number[][],
  labelIds: readonly number[] | undefined,
  tokenizer: Pick<PieceTokenizer, 'clsId' | 'sepId' | 'padId'>,
  opts: WindowOptions,
): TokenWindow[] {
  if (labelIds && labelIds.length !== pieces.length) {
    throw new ShapeError(`${pieces.length} tokens but ${labelIds.length} label ids; expected one label id per token`);
  }
  const budget = checkOptions(opts);
  return planWindows(
    pieces.map((p) => p.length),
    opts,
  ).map(({ start, end }) => {
    const inputIds = [tokenizer.clsId];
    const labels = [IGNORE_INDEX];
    const firstPiece: number[] = [];
    for (let t = start; t < end; t++) {
      firstPiece.push(inputIds.length);
      const ids = pieces[t].slice(0, budget);
      inputIds.push(...ids);
      labels.push(labelIds ? labelIds[t] : IGNORE_INDEX, ...new Array<number>(ids.length - 1).fill(IGNORE_INDEX));
    }
    inputIds.push(tokenizer.sepId);
    labels.push(IGNORE_INDEX);
    const length = inputIds.length;
    const pad = opts.maxSeqLength - length;
    const tokenMask = new Array<number>(opts.maxSeqLength).fill(0);
    for (const p of firstPiece) tokenMask[p] = 1;
    return {
      start,
      end,
      inputIds: [...inputIds, ...new Array<number>(pad).fill(tokenizer.padId)],
      tokenTypeIds: new Array<number>(opts.maxSeqLength).fill(0),
      attentionMask: [...new Array<number>(length).fill(1), ...new Array<number>(pad).fill(0)],
      labelIds: [...labels, ...new Array<number>(pad).fill(IGNORE_INDEX)],
      tokenMask,
      firstPiece,
    };
  });
}

/** Tokenizes a sentence's tokens and builds its windows. */
export function encodeTokens(
  tokenizer: PieceTokenizer,
  tokens: readonly string[],
  labelIds: readonly number[] | undefined,
  opts: WindowOptions,
): TokenWindow[] {
  return tokenWindows(tokenPieces(tokenizer, tokens), labelIds, tokenizer, opts);
}

/**
 * One output per input token from per-position outputs of a sentence's windows (`outputs[w][p]`:
 * window w, position p, e.g. a label id or a row of logits). Each token takes the output of the
 * window where min(tokens before it, tokens after it) is largest, the earlier window on ties.
 */
export function mergeWindows<T>(windows: readonly (TokenRange & { firstPiece: readonly number[] })[], outputs: readonly (readonly T[])[], tokens: number): T[] {
  if (outputs.length !== windows.length) {
    throw new ShapeError(`${windows.length} windows but outputs for ${outputs.length}; expected one output row per window`);
  }
  const out = new Array<T>(tokens);
  const best = new Array<number>(tokens).fill(-1);
  windows.forEach((w, i) => {
    for (let t = w.start; t < w.end; t++) {
      const context = Math.min(t - w.start, w.end - 1 - t);
      if (context <= best[t]) continue;
      best[t] = context;
      out[t] = outputs[i][w.firstPiece[t - w.start]];
    }
  });
  const missing = best.indexOf(-1);
  if (missing >= 0) throw new ShapeError(`token ${missing} of ${tokens} is in no window; windows must cover the sentence`);
  return out;
}
