/**
 * Augmented copies of one example. For each copy, every replaceable unit is replaced with
 * probability p by one of its candidates drawn uniformly (the coin, then, if it falls, the draw; in
 * text order, texts in order). A copy equal to the original or to an earlier copy is dropped; the
 * original is always the first output. The random stream is the example's own (seeded from the seed
 * and the example's index in the file), so any slice of the file, in any process, draws the same
 * copies.
 *
 * The draws are planned before the candidates exist (`planCopies`): the coins need only know which
 * units are replaceable, so the masked-LM search can skip every unit no copy replaces (with 1 copy
 * at p = 0.4, three units in five). `realiseCopies` then turns a plan into edits. A replaceable unit
 * that ends up with no candidate (a whole word whose every combination is the word itself) is left
 * as it is.
 */
import { Rng } from '../data/rng.js';

/** Replace [start, end) of a text by `text`. Edits of one text are sorted and do not overlap. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** The units of one text with their candidates (none: the unit stays as it is). */
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

/** Which units each copy replaces, and the uniform number that picks the candidate. */
export interface Plan {
  /** Per copy, per text: the replaced units in text order. */
  copies: { unit: number; u: number }[][][];
}

/** The plan of example `index` (its 0-based place in the whole file); replaceable[t][j]: unit j of text t can be replaced. */
export function planCopies(replaceable: boolean[][], index: number, opts: CopyOptions): Plan {
  const rng = Rng.fromSeed(opts.seed, index);
  const copies = Array.from({ length: opts.copies }, () =>
    replaceable.map((units) => {
      const out: { unit: number; u: number }[] = [];
      units.forEach((ok, unit) => {
        if (ok && rng.next() < opts.p) out.push({ unit, u: rng.next() });
      });
      return out;
    }),
  );
  return { copies };
}

/** The units of each text that some copy of the plan replaces. */
export function plannedUnits(plan: Plan, texts: number): Set<number>[] {
  const sets = Array.from({ length: texts }, () => new Set<number>());
  for (const copy of plan.copies) copy.forEach((units, t) => units.forEach((r) => sets[t]!.add(r.unit)));
  return sets;
}

/** The copies a plan gives, with the candidates of its replaced units. */
export function realiseCopies(plan: Plan, texts: Choices[], originals: string[]): Copies {
  const result: Copies = { outputs: [texts.map(() => [])], identical: 0, duplicates: 0 };
  const original = JSON.stringify(originals);
  const seen = new Set([original]);
  for (const copy of plan.copies) {
    const edits = copy.map((units, t) =>
      units.flatMap(({ unit, u }): Edit[] => {
        const { start, end, candidates } = texts[t]!.units[unit]!;
        return candidates.length ? [{ start, end, text: candidates[Math.floor(u * candidates.length)]! }] : [];
      }),
    );
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

/** The copies of example `index` when the candidates are known beforehand (a unit with none is not replaceable). */
export function drawCopies(texts: Choices[], originals: string[], index: number, opts: CopyOptions): Copies {
  const plan = planCopies(texts.map((t) => t.units.map((u) => u.candidates.length > 0)), index, opts);
  return realiseCopies(plan, texts, originals);
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
