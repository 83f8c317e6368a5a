import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Batch } from '../../src/data/index.js';
import { Rng } from '../../src/data/rng.js';
import { budget, chooseUnits, maskBatch, maskTokens, rowWords, SPAN_LENGTH, spanLength, wordPieces, type Word } from '../../src/pipeline/masking.js';
import { segmentWords } from '../../src/tokenizer/segmenter.js';
import { BertTokenizer, Vocab } from '../../src/tokenizer/index.js';
import { ROOT } from '../helpers/shared.js';

const ids = { maskId: 4, vocabSize: 1000, special: new Set([0, 2, 3]) };

/**
 * B rows of [CLS] words... [SEP] then padding; words of 1-4 pieces (Chinese words are mostly 1-3
 * characters), every row a different length. Ids 10.. are all distinct so a replacement is visible.
 */
function wordBatch(B: number, T: number, seed = 1): Batch {
  const rng = Rng.fromSeed(seed);
  const inputIds = new Int32Array(B * T);
  const attentionMask = new Int32Array(B * T);
  const wordStarts = new Uint8Array(B * T);
  for (let b = 0; b < B; b++) {
    const len = T - rng.int(T / 4);
    let t = 0;
    const put = (id: number, start: number) => {
      inputIds[b * T + t] = id;
      attentionMask[b * T + t] = 1;
      wordStarts[b * T + t] = start;
      t++;
    };
    put(2, 1);
    while (t < len - 1) {
      const w = Math.min(1 + rng.int(4), len - 1 - t);
      for (let k = 0; k < w; k++) put(10 + rng.int(900), k === 0 ? 1 : 0);
    }
    put(3, 1);
  }
  return { inputIds, tokenTypeIds: new Int32Array(B * T), attentionMask, wordStarts, batchSize: B, seqLen: T };
}

/** Counts over every row: candidates, chosen pieces, and how chosen pieces were replaced. */
function tally(b: Batch, m: Batch) {
  let real = 0;
  let chosen = 0;
  let masked = 0;
  let kept = 0;
  for (let i = 0; i < b.inputIds.length; i++) {
    if (b.attentionMask[i] && !ids.special.has(b.inputIds[i])) real++;
    if (m.labels![i] === -1) {
      expect(m.inputIds[i], `unchosen position ${i} changed`).toBe(b.inputIds[i]);
      continue;
    }
    expect(m.labels![i]).toBe(b.inputIds[i]);
    chosen++;
    if (m.inputIds[i] === ids.maskId) masked++;
    else if (m.inputIds[i] === b.inputIds[i]) kept++;
  }
  return { real, chosen, masked, kept, random: chosen - masked - kept };
}

const allWords = (b: Batch): Word[] => Array.from({ length: b.batchSize }, (_, r) => rowWords(b, ids, r)).flat();

describe('whole-word masking', () => {
  const b = wordBatch(400, 128);
  const m = maskBatch(b, ids, 'whole-word', 0.15, 3);

  it('chooses 15% of the pieces, replaced 80/10/10', () => {
    const t = tally(b, m);
    expect(t.chosen / t.real).toBeGreaterThan(0.14);
    expect(t.chosen / t.real).toBeLessThan(0.155);
    expect(t.masked / t.chosen).toBeGreaterThan(0.77);
    expect(t.masked / t.chosen).toBeLessThan(0.83);
    expect(t.kept / t.chosen).toBeGreaterThan(0.08);
    expect(t.kept / t.chosen).toBeLessThan(0.12);
    expect(t.random / t.chosen).toBeGreaterThan(0.08);
    expect(t.random / t.chosen).toBeLessThan(0.12);
  });

  it('never masks part of a word: all of its pieces are chosen and replaced alike', () => {
    let chosenWords = 0;
    let partlyMask = 0;
    for (const [from, to] of allWords(b)) {
      const labelled = new Set(Array.from({ length: to - from }, (_, k) => m.labels![from + k] !== -1));
      expect(labelled.size, `word at ${from}..${to} partly chosen`).toBe(1);
      const asMask = new Set(Array.from({ length: to - from }, (_, k) => m.inputIds[from + k] === ids.maskId));
      if (asMask.size > 1) partlyMask++;
      if (labelled.has(true)) chosenWords++;
    }
    expect(chosenWords).toBeGreaterThan(1000);
    // Only a random replacement that happens to draw [MASK] itself (1 in V) leaves a word partly [MASK].
    expect(partlyMask).toBeLessThan(3);
  });

  it('stays within each row\'s budget of round(0.15 n) pieces', () => {
    for (let r = 0; r < b.batchSize; r++) {
      const words = rowWords(b, ids, r);
      let n = 0;
      for (let i = r * b.seqLen; i < (r + 1) * b.seqLen; i++) if (m.labels![i] !== -1) n++;
      expect(n).toBeLessThanOrEqual(budget(words, 0.15));
      expect(n).toBeGreaterThanOrEqual(budget(words, 0.15) - 3);
    }
  });

  it('gives a short row one word even when every word is longer than its budget', () => {
    const T = 8;
    const row: Batch = {
      inputIds: Int32Array.from([2, 11, 12, 13, 14, 15, 16, 3]),
      tokenTypeIds: new Int32Array(T),
      attentionMask: new Int32Array(T).fill(1),
      wordStarts: Uint8Array.from([1, 1, 0, 0, 1, 0, 0, 1]),
      batchSize: 1,
      seqLen: T,
    };
    expect(budget(rowWords(row, ids, 0), 0.15)).toBe(1);
    for (const mode of ['whole-word', 'span'] as const) {
      const labels = Array.from(maskBatch(row, ids, mode, 0.15, 7).labels!).map((l) => (l === -1 ? 0 : 1));
      expect([[0, 1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 0]], mode).toContainEqual(labels);
    }
  });
});

describe('span masking', () => {
  it('samples span lengths from Geo(0.2) truncated to 1..10: mean 3.80 as SpanBERT reports', () => {
    const { p, max } = SPAN_LENGTH;
    const weights = Array.from({ length: max }, (_, i) => p * (1 - p) ** i);
    const total = weights.reduce((a, x) => a + x, 0);
    const expected = weights.reduce((a, w, i) => a + (i + 1) * w, 0) / total;
    expect(expected).toBeCloseTo(3.797, 3);
    const rng = Rng.fromSeed(11);
    const counts = new Array<number>(max + 1).fill(0);
    const N = 200_000;
    for (let i = 0; i < N; i++) counts[spanLength(rng)]++;
    expect(counts[0]).toBe(0);
    const mean = counts.reduce((a, c, l) => a + c * l, 0) / N;
    expect(Math.abs(mean - expected)).toBeLessThan(0.02);
    expect(Math.abs(counts[1] / N - weights[0] / total)).toBeLessThan(0.005);
    expect(Math.abs(counts[10] / N - weights[9] / total)).toBeLessThan(0.003);
  });

  it('places spans of whole words whose mean length in words matches the distribution', () => {
    // Long rows, so that many spans are placed before the budget; each row's last span, cut by the budget, is left out.
    const b = wordBatch(100, 2048, 5);
    const rng = Rng.fromSeed(2);
    const lengths: number[] = [];
    for (let r = 0; r < b.batchSize; r++) {
      const words = rowWords(b, ids, r);
      const units = chooseUnits(words, budget(words, 0.15), 'span', rng);
      for (const unit of units.slice(0, -1)) {
        unit.forEach((w, k) => k && expect(words[w][0], 'a span is a run of adjacent words').toBe(words[unit[k - 1]][1]));
        lengths.push(unit.length);
      }
    }
    const mean = lengths.reduce((a, x) => a + x, 0) / lengths.length;
    expect(lengths.length).toBeGreaterThan(2500);
    expect(Math.max(...lengths)).toBe(10);
    // 3.797 expected; the standard error of this mean is about 0.05.
    expect(Math.abs(mean - 3.797)).toBeLessThan(0.15);
  });

  it('chooses 15% of the pieces, replaced 80/10/10 per span, never part of a word', () => {
    const b = wordBatch(400, 128, 4);
    const m = maskBatch(b, ids, 'span', 0.15, 3);
    const t = tally(b, m);
    expect(t.chosen / t.real).toBeGreaterThan(0.14);
    expect(t.chosen / t.real).toBeLessThan(0.155);
    // Decided per span, so the proportions of pieces vary more than per-token decisions would.
    expect(t.masked / t.chosen).toBeGreaterThan(0.75);
    expect(t.masked / t.chosen).toBeLessThan(0.85);
    expect(t.kept / t.chosen).toBeGreaterThan(0.07);
    expect(t.kept / t.chosen).toBeLessThan(0.13);
    expect(t.random / t.chosen).toBeGreaterThan(0.07);
    expect(t.random / t.chosen).toBeLessThan(0.13);
    for (const [from, to] of allWords(b)) {
      const labelled = new Set(Array.from({ length: to - from }, (_, k) => m.labels![from + k] !== -1));
      expect(labelled.size, `word at ${from}..${to} partly chosen`).toBe(1);
    }
  });

  it('counts pieces as words when the batch has no word boundaries', () => {
    const { wordStarts: _, ...plain } = wordBatch(4, 64);
    expect(rowWords(plain, ids, 0).every(([a, z]) => z - a === 1)).toBe(true);
    const m = maskBatch(plain, ids, 'span', 0.15, 1);
    expect(m.labels!.some((l) => l !== -1)).toBe(true);
  });
});

describe('every mode', () => {
  const b = wordBatch(16, 64);
  it.each(['token', 'whole-word', 'span'] as const)('%s masking is a pure function of the seed', (mode) => {
    const a = maskBatch(b, ids, mode, 0.15, 9);
    expect(Array.from(a.inputIds)).toEqual(Array.from(maskBatch(b, ids, mode, 0.15, 9).inputIds));
    expect(Array.from(a.labels!)).toEqual(Array.from(maskBatch(b, ids, mode, 0.15, 9).labels!));
    expect(Array.from(a.labels!)).not.toEqual(Array.from(maskBatch(b, ids, mode, 0.15, 10).labels!));
  });

  it('token masking is maskTokens exactly and ignores word boundaries', () => {
    const { wordStarts: _, ...plain } = b;
    const a = maskBatch(b, ids, 'token', 0.15, 9);
    const c = maskTokens(plain, ids, 0.15, 9);
    expect(Array.from(a.inputIds)).toEqual(Array.from(c.inputIds));
    expect(Array.from(a.labels!)).toEqual(Array.from(c.labels!));
  });

  it('never chooses [CLS], [SEP] or padding', () => {
    for (const mode of ['whole-word', 'span'] as const) {
      const m = maskBatch(b, ids, mode, 0.5, 1);
      for (let i = 0; i < b.inputIds.length; i++) {
        if (!b.attentionMask[i] || ids.special.has(b.inputIds[i])) expect(m.labels![i], `${mode} position ${i}`).toBe(-1);
      }
    }
  });
});

describe('wordPieces', () => {
  const tokenizer = BertTokenizer.fromVocabFile(join(ROOT, 'recipes', 'demo', 'vocab.txt'));

  it('marks the first character of each segmenter word', () => {
    const text = '这家饭店分量相当好吃，价格比较好。';
    const words = segmentWords(text);
    const { ids: got, wordStarts } = wordPieces(tokenizer, text);
    expect(got).toEqual(tokenizer.convertTokensToIds(tokenizer.tokenize(text)));
    const expected = words.flatMap((w) => [...w].map((_, k) => (k === 0 ? 1 : 0)));
    expect(words.some((w) => w.length > 1)).toBe(true);
    expect(wordStarts).toEqual(expected);
  });

  it('keeps the pieces of one segmenter word together (iPhone12 -> iphone ##12, C++ -> c + +)', () => {
    const t = new BertTokenizer(Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'iphone', '##12', 'c', '+', '很', '好', '用', '程', '序']));
    expect(wordPieces(t, 'iPhone12很好用').wordStarts).toEqual([1, 0, 1, 1, 1]);
    expect(wordPieces(t, 'C++程序').wordStarts).toEqual([1, 0, 0, 1, 0]);
  });
});
