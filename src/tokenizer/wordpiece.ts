/**
 * The reference WordpieceTokenizer: greedy longest-match-first over code points. From each start
 * position take the longest substring in the vocabulary (prefixed with "##" when it does not start
 * the word); if some position has no match, the WHOLE word becomes the unknown token, and so does
 * any word longer than `maxInputCharsPerWord` code points (100 in the reference).
 */
import { type Aligned, spanOf } from './aligned.js';
import type { Vocab } from './vocab.js';

export interface WordPieceOptions {
  unkToken: string;
  maxInputCharsPerWord: number;
}

export interface Pieces {
  tokens: string[];
  offsets: [number, number][];
}

export class WordPiece {
  /** Longest vocabulary entry in code points: longer candidates cannot match, so skip them. */
  private readonly longest: number;

  constructor(
    private readonly vocab: Vocab,
    private readonly opts: WordPieceOptions,
  ) {
    let longest = 1;
    for (const t of vocab.tokens()) {
      const n = Array.from(t).length;
      if (n > longest) longest = n;
    }
    this.longest = longest;
  }

  /** Appends the pieces of `word` and their source spans to `out`. */
  tokenize(word: Aligned, out: Pieces): void {
    const n = word.chars.length;
    if (n === 0) return;
    if (n > this.opts.maxInputCharsPerWord) {
      this.pushUnknown(word, out);
      return;
    }
    // The word as one string and where each code point starts in it, so candidates are slices.
    const text = word.chars.join('');
    const at = new Array<number>(n + 1);
    at[0] = 0;
    for (let i = 0; i < n; i++) at[i + 1] = at[i] + word.chars[i].length;
    const tokens: string[] = [];
    const offsets: [number, number][] = [];
    for (let start = 0; start < n; ) {
      let end = Math.min(n, start + this.longest);
      let match: string | undefined;
      for (; end > start; end--) {
        const sub = text.slice(at[start], at[end]);
        const candidate = start > 0 ? `##${sub}` : sub;
        if (this.vocab.id(candidate) !== undefined) {
          match = candidate;
          break;
        }
      }
      if (match === undefined) {
        this.pushUnknown(word, out);
        return;
      }
      tokens.push(match);
      offsets.push(spanOf(word, start, end));
      start = end;
    }
    out.tokens.push(...tokens);
    out.offsets.push(...offsets);
  }

  private pushUnknown(word: Aligned, out: Pieces): void {
    out.tokens.push(this.opts.unkToken);
    out.offsets.push(spanOf(word));
  }
}
