/**
 * The frequency control of bench/augment-control: an augmented classification file's copies with
 * every changed character replaced by one of a few frequent characters instead, context ignored.
 */
import { Rng } from '../../src/data/rng.js';

export interface FrequencyCopies {
  /** The header and every row, originals unchanged, copies rewritten. */
  lines: string[];
  copies: number;
  /** Copies whose length differs from their original (a word replaced by one of another length), kept as they were. */
  keptLengthChanged: number;
  replacedCharacters: number;
}

/**
 * `lines`: a TSV with a `text_a` column where each original row (a member of `originals`) is
 * followed by its copies, as `tinybert augment` writes. Every character a copy changed becomes a
 * uniform draw from `frequent` other than the original's character at that place.
 */
export function frequencyCopies(lines: string[], originals: Set<string>, frequent: string[], seed: number): FrequencyCopies {
  const [header, ...rows] = lines;
  const textAt = header!.split('\t').indexOf('text_a');
  if (textAt < 0) throw new Error(`no text_a column in the header "${header}"`);
  const rng = Rng.fromSeed(seed);
  const out = [header!];
  let original: string[] | undefined;
  let copies = 0;
  let keptLengthChanged = 0;
  let replacedCharacters = 0;
  for (const line of rows) {
    const cells = line.split('\t');
    if (originals.has(line)) {
      original = [...cells[textAt]!];
      out.push(line);
      continue;
    }
    if (original === undefined) throw new Error(`a copy before any original row: "${line}"`);
    copies++;
    const copy = [...cells[textAt]!];
    if (copy.length !== original.length) {
      keptLengthChanged++;
      out.push(line);
      continue;
    }
    cells[textAt] = copy
      .map((ch, i) => {
        if (ch === original![i]) return ch;
        replacedCharacters++;
        const pool = frequent.filter((f) => f !== original![i]);
        return pool[rng.int(pool.length)]!;
      })
      .join('');
    out.push(cells.join('\t'));
  }
  return { lines: out, copies, keptLengthChanged, replacedCharacters };
}
