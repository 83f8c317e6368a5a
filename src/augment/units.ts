/**
 * The replaceable units of one text. The text is cut into word pieces by the model's tokenizer
 * (which already splits CJK text into single characters), pieces are grouped into words (a `##`
 * piece continues the word before it), and each word is a unit:
 *
 *   one piece (every CJK character, a short Latin word)  → masked-LM candidates ("mlm")
 *   several pieces (a long Latin word)                   → word-vector neighbours ("vectors"), as the
 *                                                          reference does for multi-piece words
 *
 * In whole-word mode consecutive CJK characters that jieba puts in one word are one unit: all its
 * characters are masked together (or it takes word-vector neighbours when the word is in the file).
 * A unit is a candidate only if it holds a letter (CJK characters are letters: the reference's
 * `[a-z]+` filter is what left Chinese unchanged), is no stop word, has no [UNK] piece and the
 * caller allows its span (answer spans and entity tags are protected that way).
 */
import type { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import { isChineseChar } from '../tokenizer/chars.js';
import { wordSpans } from '../tokenizer/segmenter.js';

export interface Unit {
  /** [start, end) UTF-16 offsets in the text. */
  start: number;
  end: number;
  /** The text of the span, as written. */
  word: string;
  /** Token indices (into `Segmented.ids`) masked together for this unit. */
  positions: number[];
  source: 'mlm' | 'vectors';
}

export interface Segmented {
  text: string;
  ids: number[];
  units: Unit[];
}

export interface SegmentOptions {
  wholeWord: boolean;
  stopWords: ReadonlySet<string>;
  /** Whether the word-vector file has this word (always false without one). */
  hasVector: (word: string) => boolean;
  /** Whether the span [start, end) may change. */
  eligible: (start: number, end: number) => boolean;
}

/** Longest unit masked together: longer jieba words are left alone (they are rare and their predictions poor). */
export const MAX_UNIT_PIECES = 8;

const LETTER = /\p{L}/u;

function isCjkChar(word: string): boolean {
  return word.length > 0 && [...word].length === 1 && isChineseChar(word.codePointAt(0)!);
}

export function segmentText(text: string, tokenizer: BertTokenizer, opts: SegmentOptions): Segmented {
  const { tokens, offsets } = tokenizer.tokenizeWithOffsets(text);
  const ids = tokenizer.convertTokensToIds(tokens);
  const unk = tokenizer.vocab.id('[UNK]');
  // Words as [first, last] token indices.
  const words: [number, number][] = [];
  tokens.forEach((t, i) => {
    if (t.startsWith('##') && words.length > 0) words[words.length - 1]![1] = i;
    else words.push([i, i]);
  });

  const units: Unit[] = [];
  const add = (first: number, last: number, source: Unit['source']) => {
    const start = offsets[first]![0];
    const end = offsets[last]![1];
    const word = text.slice(start, end);
    const positions = Array.from({ length: last - first + 1 }, (_, k) => first + k);
    if (!LETTER.test(word) || opts.stopWords.has(word) || positions.some((p) => ids[p] === unk) || !opts.eligible(start, end)) return;
    units.push({ start, end, word, positions, source });
  };
  const single = (w: [number, number]) => {
    const [first, last] = w;
    if (first === last) add(first, last, 'mlm');
    else if (opts.hasVector(text.slice(offsets[first]![0], offsets[last]![1]))) add(first, last, 'vectors');
  };

  if (!opts.wholeWord) {
    words.forEach(single);
    return { text, ids, units };
  }
  // Whole words: a jieba word of two or more CJK characters, each its own token, is one unit.
  const claimed = new Set<number>();
  const startsAt = new Map(words.map((w, k) => [offsets[w[0]]![0], k]));
  for (const [s, e] of wordSpans(text)) {
    const from = startsAt.get(s);
    if (from === undefined) continue;
    let to = from;
    while (to + 1 < words.length && offsets[words[to + 1]![0]]![0] < e) to++;
    const chars = words.slice(from, to + 1);
    const whole = to > from && to - from < MAX_UNIT_PIECES && offsets[chars.at(-1)![1]]![1] === e && chars.every(([a, b]) => a === b && isCjkChar(tokens[a]!));
    if (!whole) continue;
    // A whole word refused (a stop word, a protected span) is not replaced character by character either.
    for (const [a] of chars) claimed.add(a);
    add(chars[0]![0], chars.at(-1)![1], opts.hasVector(text.slice(s, e)) ? 'vectors' : 'mlm');
  }
  // Everything not taken by a whole word falls back to single units, in text order.
  for (const w of words) if (!claimed.has(w[0])) single(w);
  units.sort((a, b) => a.start - b.start);
  return { text, ids, units };
}
