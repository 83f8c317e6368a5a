/**
 * The do_lower_case normalizer: its text must equal `strip_accents(token.lower())` on the whole
 * token (fast paths included), and its spans must stay inside the source.
 */
import { describe, expect, it } from 'vitest';
import { type Aligned, textOf } from '../../src/tokenizer/aligned.js';
import {
  charClass,
  CHINESE,
  isChineseChar,
  isControl,
  isNonspacingMark,
  isPunctuation,
  isPySpace,
  isWhitespace,
  PUNCTUATION_BIT,
  PY_SPACE_BIT,
  REMOVED,
  SEPARATOR,
  STABLE,
} from '../../src/tokenizer/chars.js';
import { lowerAndStripAccents } from '../../src/tokenizer/normalizer.js';

function aligned(text: string): Aligned {
  const chars = Array.from(text);
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (const ch of chars) {
    starts.push(at);
    at += ch.length;
    ends.push(at);
  }
  return { chars, starts, ends };
}

/** The reference on a whole token: lower(), NFD, drop Mn. */
function reference(text: string): string {
  return Array.from(text.toLowerCase().normalize('NFD'))
    .filter((ch) => !isNonspacingMark(ch.codePointAt(0)!))
    .join('');
}

/** Deterministic pseudo-random generator (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('lowerAndStripAccents', () => {
  it('equals the whole-token reference on random mixed text (ASCII, accents, Greek sigma, marks, CJK)', () => {
    const pool = Array.from('aZ9Σσς ΆΣΑİIıǄǅßẞÅ\u0301\u0328\u0345\u05b0\u0f71Ｆｆ中豈𝐀😂ÉÑḜ\u{1D165}');
    const next = rng(7);
    const failures: string[] = [];
    for (let n = 0; n < 3000; n++) {
      const len = 1 + Math.floor(next() * 8);
      let text = '';
      for (let i = 0; i < len; i++) text += pool[Math.floor(next() * pool.length)];
      const out = lowerAndStripAccents(aligned(text));
      if (textOf(out) !== reference(text)) failures.push(`${JSON.stringify(text)}: text ${JSON.stringify(textOf(out))}`);
      if (out.starts.some((s, i) => s < 0 || s >= out.ends[i] || out.ends[i] > text.length)) {
        failures.push(`${JSON.stringify(text)}: spans ${JSON.stringify([out.starts, out.ends])}`);
      }
    }
    expect(failures.slice(0, 5), `${failures.length} of 3000 differ`).toEqual([]);
  });

  it('final sigma depends on the whole token, as Python lower() does', () => {
    expect(textOf(lowerAndStripAccents(aligned('ΟΣΟΣ')))).toBe('οσος');
    expect(textOf(lowerAndStripAccents(aligned('Σ')))).toBe('σ');
  });

  it('unchanged words are returned as they are', () => {
    const word = aligned('中文abc123');
    expect(lowerAndStripAccents(word)).toBe(word);
  });
});

describe('charClass', () => {
  it('agrees with the individual classes on the BMP and the CJK supplementary planes', () => {
    const wrong: string[] = [];
    const check = (cp: number) => {
      const bits = charClass(cp);
      const ch = String.fromCodePoint(cp);
      const want =
        (cp === 0 || cp === 0xfffd || isControl(cp) ? REMOVED : 0) |
        (isWhitespace(cp) || isPySpace(cp) ? SEPARATOR : 0) |
        (isPySpace(cp) ? PY_SPACE_BIT : 0) |
        (isChineseChar(cp) ? CHINESE : 0) |
        (isPunctuation(cp) ? PUNCTUATION_BIT : 0) |
        (ch.toLowerCase() === ch && ch.normalize('NFD') === ch && !/\p{M}/u.test(ch) ? STABLE : 0);
      if ((bits & 0x7f) !== want) wrong.push(cp.toString(16));
    };
    for (let cp = 0; cp < 0x10000; cp++) check(cp);
    for (let cp = 0x1f000; cp < 0x1fb00; cp++) check(cp);
    for (let cp = 0x20000; cp < 0x20100; cp++) check(cp);
    expect(wrong.slice(0, 20), `${wrong.length} differ`).toEqual([]);
  });
});
