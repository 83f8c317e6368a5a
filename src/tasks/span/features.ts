/**
 * Model inputs for span extraction, as Google BERT's `run_squad.py` `convert_examples_to_features`
 * builds them (and Hugging Face's `squad_convert_examples_to_features` after it):
 *
 *   [CLS] question [SEP] context window [SEP] [PAD]...    types 0 up to the first [SEP], 1 after
 *
 * The question keeps its first `max_query_length` word pieces. The context's word pieces are cut
 * into windows of at most `max_seq_length - question - 3` pieces, each starting `doc_stride` pieces
 * after the previous one, the last ending at the context's end. A token seen by several windows is
 * scored only in the one where it has the most context on both sides (`_check_is_max_context`).
 * The label is the first located answer's first and last word piece; a window that does not hold
 * the whole answer points both at [CLS] (index 0). Offsets come from the tokenizer, so no
 * whitespace-word bookkeeping (`char_to_word_offset`, `_improve_answer_span`) is needed.
 */
import { DataError, show } from '../../errors.js';
import type { BertTokenizer } from '../../tokenizer/index.js';
import type { SpanOptions } from './options.js';
import type { SpanExample } from './squad.js';

/** One window of one question; arrays are `max_seq_length` long. */
export interface SpanFeature {
  /** Index of the example (question) in the list given to `spanFeatures`. */
  example: number;
  /** Position of this window among its question's windows. */
  window: number;
  tokens: string[];
  inputIds: number[];
  tokenTypeIds: number[];
  attentionMask: number[];
  /** [start, end) UTF-16 offsets into the context for context tokens; null for the question, specials, padding. */
  offsets: ([number, number] | null)[];
  /** True where this window is the one giving the token the most context (only context tokens). */
  maxContext: boolean[];
  /** Label: first and last token of the answer in this window, or 0 and 0 ([CLS]) when it is not inside. */
  start: number;
  end: number;
  /**
   * False when the question has no answer that maps to tokens (all dropped by the reader, or only
   * whitespace): its [CLS] labels mean "unknown", not "elsewhere", so training must skip the window.
   */
  labelled: boolean;
}

export type FeatureOptions = Pick<SpanOptions, 'doc_stride' | 'max_query_length'> & { max_seq_length: number };

/** [from, to) ranges of context token indices, as `run_squad.py`'s `doc_spans`. */
export function windowRanges(contextTokens: number, maxTokens: number, stride: number): [number, number][] {
  const out: [number, number][] = [];
  for (let from = 0; ; ) {
    const to = Math.min(from + maxTokens, contextTokens);
    out.push([from, to]);
    if (to >= contextTokens) return out;
    from += Math.min(to - from, stride);
  }
}

/** `_check_is_max_context`: does window `w` give token `t` the most context, ties to the earlier window (+0.01 per token of window length)? */
function isMaxContext(ranges: [number, number][], w: number, t: number): boolean {
  let best = -1;
  let bestScore = -Infinity;
  ranges.forEach(([from, to], i) => {
    if (t < from || t >= to) return;
    const score = Math.min(t - from, to - 1 - t) + 0.01 * (to - from);
    if (score > bestScore) (best = i), (bestScore = score);
  });
  return best === w;
}

/** First and last context token overlapping [charStart, charEnd); null when no token does. */
export function tokenSpan(offsets: [number, number][], charStart: number, charEnd: number): [number, number] | null {
  let first = -1;
  let last = -1;
  offsets.forEach(([s, e], i) => {
    if (e > charStart && s < charEnd) {
      if (first < 0) first = i;
      last = i;
    }
  });
  return first < 0 ? null : [first, last];
}

/**
 * Every window of every example. `unmapped` counts located answers that cover no token; their
 * windows, and those of questions without a located answer, have `labelled` false.
 */
export function spanFeatures(
  examples: SpanExample[],
  tokenizer: BertTokenizer,
  opts: FeatureOptions,
): { features: SpanFeature[]; unmapped: number } {
  const { max_seq_length: maxLen, doc_stride: stride, max_query_length: maxQuery } = opts;
  const features: SpanFeature[] = [];
  let unmapped = 0;
  examples.forEach((ex, e) => {
    const q = tokenizer.tokenizeWithOffsets(ex.question).tokens.slice(0, maxQuery);
    const maxDoc = maxLen - q.length - 3;
    if (maxDoc < 1) {
      throw new DataError(
        `max_seq_length ${show(maxLen)} leaves no room for context after a ${q.length}-token question (max_query_length ${show(maxQuery)}); expected max_seq_length > max_query_length + 3`,
      );
    }
    const ctx = tokenizer.tokenizeWithOffsets(ex.context);
    const qIds = tokenizer.convertTokensToIds(q);
    const cIds = tokenizer.convertTokensToIds(ctx.tokens);
    const answer = ex.answers[0];
    const span = answer ? tokenSpan(ctx.offsets, answer.start, answer.start + answer.text.length) : null;
    if (answer && !span) unmapped++;
    const ranges = windowRanges(ctx.tokens.length, maxDoc, stride);
    ranges.forEach(([from, to], w) => {
      const f: SpanFeature = {
        example: e,
        window: w,
        tokens: [],
        inputIds: [],
        tokenTypeIds: [],
        attentionMask: [],
        offsets: [],
        maxContext: [],
        start: 0,
        end: 0,
        labelled: span !== null,
      };
      const push = (token: string, id: number, type: number, offset: [number, number] | null, maxContext: boolean) => {
        f.tokens.push(token);
        f.inputIds.push(id);
        f.tokenTypeIds.push(type);
        f.attentionMask.push(1);
        f.offsets.push(offset);
        f.maxContext.push(maxContext);
      };
      push('[CLS]', tokenizer.clsId, 0, null, false);
      q.forEach((t, i) => push(t, qIds[i], 0, null, false));
      push('[SEP]', tokenizer.sepId, 0, null, false);
      const first = f.tokens.length;
      for (let t = from; t < to; t++) push(ctx.tokens[t], cIds[t], 1, ctx.offsets[t], isMaxContext(ranges, w, t));
      push('[SEP]', tokenizer.sepId, 1, null, false);
      if (span && span[0] >= from && span[1] < to) {
        f.start = first + span[0] - from;
        f.end = first + span[1] - from;
      }
      const pad = tokenizer.vocab.token(0);
      while (f.tokens.length < maxLen) {
        f.tokens.push(pad);
        f.inputIds.push(0);
        f.tokenTypeIds.push(0);
        f.attentionMask.push(0);
        f.offsets.push(null);
        f.maxContext.push(false);
      }
      features.push(f);
    });
  });
  return { features, unmapped };
}
