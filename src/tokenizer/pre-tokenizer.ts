/**
 * The reference BasicTokenizer (`transformer/tokenization.py`) as one pass over code points,
 * keeping source spans. Reference steps and where they happen here:
 *
 *   1. `_clean_text`: drop U+0000, U+FFFD and `_is_control` (C* except \t\n\r); `_is_whitespace`
 *      (space, \t, \n, \r, Zs) becomes a space.                               -> splitWords
 *   2. `_tokenize_chinese_chars`: spaces around each CJK ideograph.           -> splitWords
 *   3. `whitespace_tokenize`: `str.strip().split()`, i.e. Python whitespace, which also splits on
 *      U+2028/U+2029 (Zl/Zp, neither control nor `_is_whitespace`).            -> splitWords
 *   4. per token, unless it is in never_split: lower(), NFD, drop Mn.          -> normalizer.ts
 *   5. `_run_split_on_punc`: each punctuation code point becomes its own token, unless the
 *      (lower-cased) token is in never_split.                                  -> splitOnPunctuation
 *   6. `whitespace_tokenize(" ".join(...))` again: drops tokens left empty by accent stripping.
 *
 * So "[CLS]" survives only as a whole whitespace token: in "a[SEP]b" it is split on "[" and "]".
 */
import { type Aligned, emptyAligned, pushChar, sliceAligned, splitAligned, textOf } from './aligned.js';
import { CHINESE, charClass, isPySpace, PUNCTUATION_BIT, PY_SPACE_BIT, REMOVED, SEPARATOR } from './chars.js';
import { lowerAndStripAccents } from './normalizer.js';

export interface PreTokenizerOptions {
  doLowerCase: boolean;
  neverSplit: ReadonlySet<string>;
}

/** Words of `text` as the reference BasicTokenizer returns them, with their source spans. */
export function preTokenize(text: string, opts: PreTokenizerOptions): Aligned[] {
  const out: Aligned[] = [];
  const special = (w: Aligned) => opts.neverSplit.size > 0 && opts.neverSplit.has(textOf(w));
  for (let word of splitWords(text)) {
    if (opts.doLowerCase && !special(word)) word = lowerAndStripAccents(word);
    if (special(word)) {
      out.push(word);
      continue;
    }
    for (const piece of splitOnPunctuation(word)) {
      if (piece.chars.some((ch) => charClass(ch.codePointAt(0)!) & PY_SPACE_BIT)) {
        out.push(...splitAligned(piece, isPySpace));
      } else if (piece.chars.length > 0) {
        out.push(piece);
      }
    }
  }
  return out;
}

/** Steps 1-3: clean, isolate CJK ideographs, split on whitespace. */
function splitWords(text: string): Aligned[] {
  const words: Aligned[] = [];
  let word = emptyAligned();
  const flush = () => {
    if (word.chars.length > 0) words.push(word);
    word = emptyAligned();
  };
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const bits = charClass(cp);
    // A removed character is no separator: "a\u0000b" is the single word "ab".
    if (bits & REMOVED) {
      i += width;
      continue;
    }
    if (bits & SEPARATOR) {
      flush();
    } else if (bits & CHINESE) {
      flush();
      pushChar(word, text.slice(i, i + width), i, i + width);
      flush();
    } else {
      pushChar(word, width === 1 ? text[i] : text.slice(i, i + width), i, i + width);
    }
    i += width;
  }
  flush();
  return words;
}

/** Step 5: every punctuation code point becomes a word of its own. */
function splitOnPunctuation(word: Aligned): Aligned[] {
  const out: Aligned[] = [];
  let from = 0;
  for (let i = 0; i < word.chars.length; i++) {
    if (!(charClass(word.chars[i].codePointAt(0)!) & PUNCTUATION_BIT)) continue;
    if (i > from) out.push(sliceAligned(word, from, i));
    out.push(sliceAligned(word, i, i + 1));
    from = i + 1;
  }
  if (from === 0) return [word];
  if (from < word.chars.length) out.push(sliceAligned(word, from, word.chars.length));
  return out;
}
