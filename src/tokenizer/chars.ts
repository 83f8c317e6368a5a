/**
 * Character classes exactly as the reference BERT tokenizer (`transformer/tokenization.py`) and
 * Python's `str` methods see them, by code point (never by UTF-16 unit). General categories come
 * from the engine's `\p{...}` tables, corrected to Unicode 14.0 (see unicode14.ts): characters
 * added later are unassigned (Cn) there, and the assigned ones keep their category in later
 * versions except the two noted there. Checked code point by code point in test/tokenizer.
 */
import { isUnassignedInUnicode14 } from './unicode14.js';

const OTHER = /\p{C}/u; // Cc Cf Cs Co Cn
const SPACE_SEPARATOR = /\p{Zs}/u;
const PUNCTUATION = /\p{P}/u;
const NONSPACING_MARK = /\p{Mn}/u;

/** U+1171E AHOM CONSONANT SIGN MEDIAL RA: Mn in Unicode 14, Mc from 15.0, so still stripped. */
const MN_IN_UNICODE_14 = new Set([0x1171e]);

/**
 * Python's `str.isspace()` (Unicode 14: bidi class WS/B/S or category Zs). This is what
 * `str.split()` and `str.strip()` use; it differs from JS `\s`: it includes U+001C..U+001F and
 * U+0085, and excludes U+FEFF.
 */
const PY_SPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001,
  0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f,
  0x205f, 0x3000,
]);

export function isPySpace(cp: number): boolean {
  return PY_SPACE.has(cp);
}

/** The reference `_is_whitespace`: space, \t, \n, \r or category Zs (not U+2028/U+2029). */
export function isWhitespace(cp: number): boolean {
  if (cp === 0x20 || cp === 0x09 || cp === 0x0a || cp === 0x0d) return true;
  if (cp < 0x80) return false;
  return SPACE_SEPARATOR.test(String.fromCodePoint(cp));
}

/**
 * The reference `_is_control`: category C* except \t, \n, \r (which count as whitespace).
 * Unassigned code points are Cn and therefore "control" too, by Unicode 14.0's assignment.
 */
export function isControl(cp: number): boolean {
  if (cp === 0x09 || cp === 0x0a || cp === 0x0d) return false;
  if (cp < 0x20 || cp === 0x7f) return true;
  if (cp < 0x7f) return false;
  return OTHER.test(String.fromCodePoint(cp)) || isUnassignedInUnicode14(cp);
}

/**
 * The reference `_is_punctuation`: every non-alphanumeric ASCII character (33-47, 58-64, 91-96,
 * 123-126, so the symbols $ + < = > ^ ` | ~ count as well) plus Unicode categories P*.
 */
export function isPunctuation(cp: number): boolean {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
    return true;
  }
  if (cp < 0x80) return false;
  return PUNCTUATION.test(String.fromCodePoint(cp)) && !isUnassignedInUnicode14(cp);
}

/** Category Mn (non-spacing mark), dropped by the reference `_run_strip_accents` after NFD. */
export function isNonspacingMark(cp: number): boolean {
  if (cp < 0x300) return false;
  if (MN_IN_UNICODE_14.has(cp)) return true;
  return NONSPACING_MARK.test(String.fromCodePoint(cp)) && !isUnassignedInUnicode14(cp);
}

/**
 * The reference `_is_chinese_char`: the CJK Unified Ideographs blocks (URO, Ext A-E) and the CJK
 * Compatibility Ideographs, by code point range only. Not kana, hangul, CJK punctuation or
 * full-width forms, and not Ext F+ (U+2CEB0..): those are ordinary word characters.
 */
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Python's `str.strip()` (no argument): trims `isPySpace` code points at both ends. */
export function pyStrip(s: string): string {
  const cps = Array.from(s);
  let a = 0;
  let b = cps.length;
  while (a < b && isPySpace(cps[a].codePointAt(0)!)) a++;
  while (b > a && isPySpace(cps[b - 1].codePointAt(0)!)) b--;
  return a === 0 && b === cps.length ? s : cps.slice(a, b).join('');
}

/** Bits of `charClass`. */
export const REMOVED = 1; // dropped by `_clean_text`: U+0000, U+FFFD, control
export const SEPARATOR = 2; // ends a word: reference whitespace or Python whitespace
export const CHINESE = 4;
export const PUNCTUATION_BIT = 8;
export const PY_SPACE_BIT = 16;
/** lower() and NFD leave it unchanged and it is no mark (so no reordering or stripping). */
export const STABLE = 32;
const COMPUTED = 128;

const MARK = /\p{M}/u;
const CLASS_CACHE = new Uint8Array(0x110000);

/**
 * All classes of one code point as bits, computed on first use and cached: the tokenizer asks
 * about every character of the input, and the `\p{...}` tests dominate otherwise.
 */
export function charClass(cp: number): number {
  const cached = CLASS_CACHE[cp];
  if (cached !== 0) return cached;
  const ch = String.fromCodePoint(cp);
  let bits = COMPUTED;
  if (cp === 0 || cp === 0xfffd || isControl(cp)) bits |= REMOVED;
  if (isWhitespace(cp) || isPySpace(cp)) bits |= SEPARATOR;
  if (isPySpace(cp)) bits |= PY_SPACE_BIT;
  if (isChineseChar(cp)) bits |= CHINESE;
  if (isPunctuation(cp)) bits |= PUNCTUATION_BIT;
  if (ch.toLowerCase() === ch && ch.normalize('NFD') === ch && !MARK.test(ch)) bits |= STABLE;
  CLASS_CACHE[cp] = bits;
  return bits;
}
