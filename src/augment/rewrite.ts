/**
 * Augmented copies of one example, as the reference draws them: for each copy, every unit with
 * candidates draws one candidate uniformly, then is replaced with probability p (candidate first,
 * then the coin, in text order, texts in order). A copy equal to the original or to an earlier copy
 * is dropped; the original is always the first output. The random stream is the example's own
 * (seeded from the seed and the example's index in the file), so any slice of the file, in any
 * process, draws the same copies.
 */
import { Rng } from '../data/rng.js';

/** Replace [start, end) of a text by `text`. Edits of one text are sorted and do not overlap. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** The units of one text that have candidates. */
export interface Choices {
  units: { start: number; end: number; candidates: string[] }[];
}

export interface CopyOptions {
  copies: number;
  /** Replacement probability per unit. */
  p: number;
  seed: number;
}

export interface Copies {
  /** The edits of each output; the first has none (the original). */
  outputs: Edit[][][];
  /** Copies drawn equal to the original (no unit replaced, or every replacement spelled as before). */
  identical: number;
  /** Copies drawn equal to an earlier copy. */
  duplicates: number;
}

/** The copies of example `index` (its 0-based place in the whole file). */
export function drawCopies(texts: Choices[], originals: string[], index: number, opts: CopyOptions): Copies {
  const rng = Rng.fromSeed(opts.seed, index);
  const result: Copies = { outputs: [texts.map(() => [])], identical: 0, duplicates: 0 };
  const original = JSON.stringify(originals);
  const seen = new Set([original]);
  for (let c = 0; c < opts.copies; c++) {
    const edits = texts.map((t) => {
      const out: Edit[] = [];
      for (const u of t.units) {
        if (u.candidates.length === 0) continue;
        const pick = u.candidates[rng.int(u.candidates.length)]!;
        if (rng.next() < opts.p) out.push({ start: u.start, end: u.end, text: pick });
      }
      return out;
    });
    const key = JSON.stringify(edits.map((e, i) => applyEdits(originals[i]!, e)));
    if (key === original) result.identical++;
    else if (seen.has(key)) result.duplicates++;
    else {
      seen.add(key);
      result.outputs.push(edits);
    }
  }
  return result;
}

export function applyEdits(text: string, edits: readonly Edit[]): string {
  let out = '';
  let at = 0;
  for (const e of edits) {
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}

/** Where offset `i` of the original text is after `edits` (i outside every edit, or at an edit's start). */
export function mapOffset(i: number, edits: readonly Edit[]): number {
  let shift = 0;
  for (const e of edits) {
    if (e.start >= i) break;
    shift += e.text.length - (e.end - e.start);
  }
  return i + shift;
}
