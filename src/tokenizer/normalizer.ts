/**
 * The `do_lower_case` normalizer of the reference BasicTokenizer, applied to one whitespace token:
 * `token.lower()`, then `unicodedata.normalize('NFD', ...)`, then drop every category Mn code point
 * (`_run_strip_accents`). Accents are only stripped when lower-casing (the 2019 reference has no
 * separate strip_accents switch).
 *
 * Both transforms run on the whole token so the text equals Python's exactly (Final_Sigma in
 * lower(), canonical reordering in NFD are context-dependent); the source spans come from mapping
 * each input code point on its own and lining the pieces up with the whole-token result.
 */
import { type Aligned, emptyAligned, pushChar, textOf } from './aligned.js';
import { charClass, isNonspacingMark, STABLE } from './chars.js';

export function lowerAndStripAccents(word: Aligned): Aligned {
  if (word.chars.every((ch) => charClass(ch.codePointAt(0)!) & STABLE)) return word;
  if (word.chars.every((ch) => ch.length === 1 && ch.charCodeAt(0) < 0x80)) {
    // ASCII: lower-casing is per character and NFD/Mn do not apply.
    return { chars: word.chars.map((ch) => ch.toLowerCase()), starts: word.starts, ends: word.ends };
  }
  const lowered = mapAligned(word, (s) => s.toLowerCase());
  const decomposed = mapAligned(lowered, (s) => s.normalize('NFD'));
  return dropNonspacingMarks(decomposed);
}

/**
 * Applies `f` to the whole text of `word`. Output code point k inherits the span of the input code
 * point whose own image `f(c)` covers position k. If the per-character images do not add up to the
 * whole-text length (not seen for lower() or NFD, but cheap to guard), every output code point gets
 * the span of the whole word.
 */
function mapAligned(word: Aligned, f: (s: string) => string): Aligned {
  const whole = Array.from(f(textOf(word)));
  const out = emptyAligned();
  const origin: number[] = [];
  word.chars.forEach((ch, i) => {
    const image = f(ch);
    const n = image === ch ? 1 : Array.from(image).length;
    for (let k = 0; k < n; k++) origin.push(i);
  });
  if (origin.length !== whole.length) {
    const first = word.starts[0];
    const last = word.ends[word.ends.length - 1];
    for (const ch of whole) pushChar(out, ch, first, last);
    return out;
  }
  whole.forEach((ch, k) => pushChar(out, ch, word.starts[origin[k]], word.ends[origin[k]]));
  return out;
}

/**
 * Removes Mn code points. A removed mark's source span is merged into the preceding kept code
 * point (or, at the start of the word, the following one), so "e\u0301" maps to both units.
 */
function dropNonspacingMarks(word: Aligned): Aligned {
  const out = emptyAligned();
  let pendingStart = -1;
  word.chars.forEach((ch, i) => {
    const start = word.starts[i];
    const end = word.ends[i];
    if (isNonspacingMark(ch.codePointAt(0)!)) {
      const last = out.chars.length - 1;
      if (last >= 0) out.ends[last] = Math.max(out.ends[last], end);
      else if (pendingStart < 0) pendingStart = start;
      return;
    }
    pushChar(out, ch, pendingStart >= 0 ? Math.min(pendingStart, start) : start, end);
    pendingStart = -1;
  });
  return out;
}
