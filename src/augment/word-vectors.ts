/**
 * Nearest neighbours in a word-vector file, for words the masked LM cannot replace in one piece
 * (the reference's `_word_distance` over GloVe). Text format, one word a line followed by its
 * numbers, separated by spaces: GloVe, or word2vec's text format whose first line is `count dim`
 * (Tencent AI Lab's Chinese embeddings ship this way). Vectors are normalised once, so cosine
 * similarity is a dot product; neighbours are the k most similar other words, ties to the earlier
 * line, and are cached per word.
 */
import { readText } from '../data/rows.js';
import { DataError, show } from '../errors.js';

export class WordVectors {
  private readonly index = new Map<string, number>();
  private readonly words: string[] = [];
  private readonly data: Float32Array;
  private readonly cache = new Map<string, string[]>();

  private constructor(
    readonly file: string,
    readonly dim: number,
    rows: { word: string; values: number[] }[],
  ) {
    this.data = new Float32Array(rows.length * dim);
    rows.forEach(({ word, values }, i) => {
      const norm = Math.hypot(...values) || 1;
      values.forEach((v, d) => (this.data[i * dim + d] = v / norm));
      if (!this.index.has(word)) this.index.set(word, i);
      this.words.push(word);
    });
  }

  static fromFile(file: string): WordVectors {
    const lines = readText(file).split('\n');
    const rows: { word: string; values: number[] }[] = [];
    let dim = 0;
    lines.forEach((raw, i) => {
      const fields = raw.trim().split(/ +/);
      if (fields.length === 1 && fields[0] === '') return;
      // word2vec's header line: two integers.
      if (i === 0 && fields.length === 2 && fields.every((f) => /^\d+$/.test(f))) return;
      const values = fields.slice(1).map(Number);
      if (dim === 0) dim = values.length;
      if (values.length === 0 || values.length !== dim || values.some((v) => !Number.isFinite(v))) {
        throw new DataError(`${file}:${i + 1}: expected a word and ${dim || 'its'} numbers separated by spaces (GloVe / word2vec text format), saw ${show(raw, 60)}`);
      }
      rows.push({ word: fields[0]!, values });
    });
    if (rows.length === 0) throw new DataError(`${file}: no word vectors (expected GloVe / word2vec text format)`);
    return new WordVectors(file, dim, rows);
  }

  has(word: string): boolean {
    return this.index.has(word);
  }

  /** The k words most similar to `word` (cosine), best first; empty if the file lacks it. */
  nearest(word: string, k: number): string[] {
    const cached = this.cache.get(word);
    if (cached) return cached.slice(0, k);
    const w = this.index.get(word);
    if (w === undefined) return [];
    const D = this.dim;
    const best: number[] = [];
    const score: number[] = [];
    for (let i = 0; i < this.words.length; i++) {
      if (i === w || this.words[i] === word) continue;
      let dot = 0;
      for (let d = 0; d < D; d++) dot += this.data[w * D + d]! * this.data[i * D + d]!;
      if (best.length === k && dot <= score[k - 1]!) continue;
      let at = best.length;
      while (at > 0 && score[at - 1]! < dot) at--;
      best.splice(at, 0, i);
      score.splice(at, 0, dot);
      if (best.length > k) {
        best.pop();
        score.pop();
      }
    }
    const out = best.map((i) => this.words[i]!);
    this.cache.set(word, out);
    return out;
  }
}
