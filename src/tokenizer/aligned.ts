/**
 * Text as a list of code points, each remembering the [start, end) span (UTF-16 units) of the
 * ORIGINAL input it came from. Cleaning, lower-casing and accent stripping change lengths and drop
 * characters; carrying the span through every step (as Hugging Face's `NormalizedString` does)
 * lets a word piece point back at the source text it was made from.
 */
export interface Aligned {
  /** One code point per entry (a JS string of length 1 or 2). */
  chars: string[];
  starts: number[];
  ends: number[];
}

export function emptyAligned(): Aligned {
  return { chars: [], starts: [], ends: [] };
}

export function pushChar(a: Aligned, ch: string, start: number, end: number): void {
  a.chars.push(ch);
  a.starts.push(start);
  a.ends.push(end);
}

export function textOf(a: Aligned): string {
  return a.chars.join('');
}

/** Source span covered by code points [from, to) of `a` (to > from). */
export function spanOf(a: Aligned, from = 0, to = a.chars.length): [number, number] {
  return [a.starts[from], a.ends[to - 1]];
}

export function sliceAligned(a: Aligned, from: number, to: number): Aligned {
  return { chars: a.chars.slice(from, to), starts: a.starts.slice(from, to), ends: a.ends.slice(from, to) };
}

/**
 * Splits `a` into maximal runs of code points for which `isSeparator` is false, dropping the
 * separators: the aligned counterpart of Python's `str.split()` with a custom whitespace test.
 */
export function splitAligned(a: Aligned, isSeparator: (cp: number) => boolean): Aligned[] {
  const out: Aligned[] = [];
  let from = 0;
  for (let i = 0; i <= a.chars.length; i++) {
    if (i === a.chars.length || isSeparator(a.chars[i].codePointAt(0)!)) {
      if (i > from) out.push(sliceAligned(a, from, i));
      from = i + 1;
    }
  }
  return out;
}
