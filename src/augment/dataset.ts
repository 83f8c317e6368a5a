/**
 * What augmentation needs of a data file, whatever its kind: the texts of each example, which spans
 * may change, and how to write an example back in the file's own format with its texts rewritten.
 */
import type { Edit } from './rewrite.js';

export interface Item {
  /** `file:line` (or JSON path) of the example. */
  source: string;
  /** The texts to augment (a pair's two texts; a paragraph's context and questions). */
  texts: string[];
  /** May span [start, end) of texts[t] change? */
  eligible(t: number, start: number, end: number): boolean;
  /** Written once and never augmented (a row with one of the skipped labels). */
  passThrough?: boolean;
  /** Gold class index, for the label guard (classification with a guard only). */
  label?: number;
  /**
   * The output record of copy `copy` (0: the original) with `edits[t]` applied to texts[t].
   * `first`: this is the first record of the whole (unsharded) output.
   */
  render(edits: Edit[][], copy: number, first: boolean): string;
}

export interface Dataset {
  /** Number of examples. */
  count: number;
  /** Examples [from, to), read when asked (a line-based file is not held in memory). */
  items(from: number, to: number): Promise<Item[]>;
  /** Written before the first record of the whole output: a header row, SQuAD's opening. */
  head: string;
  /** Written after the last record: SQuAD's closing. */
  tail: string;
}
