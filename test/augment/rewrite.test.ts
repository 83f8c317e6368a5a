import { describe, expect, it } from 'vitest';
import { applyEdits, drawCopies, mapOffset } from '../../src/augment/rewrite.js';

const choices = [{ units: [{ start: 0, end: 1, candidates: ['你', '他'] }, { start: 3, end: 5, candidates: ['小说'] }] }];
const original = ['我喜欢电影'];

describe('drawing copies', () => {
  it('keeps the original first and draws the same copies for the same seed and example index', () => {
    const a = drawCopies(choices, original, 7, { copies: 20, p: 0.4, seed: 1 });
    expect(a.outputs[0]).toEqual([[]]);
    expect(drawCopies(choices, original, 7, { copies: 20, p: 0.4, seed: 1 })).toEqual(a);
    expect(drawCopies(choices, original, 8, { copies: 20, p: 0.4, seed: 1 })).not.toEqual(a);
  });

  it('drops copies equal to the original or to an earlier copy', () => {
    const r = drawCopies(choices, original, 0, { copies: 50, p: 0.5, seed: 3 });
    const texts = r.outputs.map((e) => applyEdits(original[0]!, e[0]!));
    expect(new Set(texts).size).toBe(texts.length);
    // Only 2 × 2 − 1 distinct changed texts exist: the rest of 50 draws are identical or duplicates.
    expect(texts.length).toBeLessThanOrEqual(1 + 5);
    expect(r.identical + r.duplicates + r.outputs.length - 1).toBe(50);
  });

  it('p = 0 changes nothing, so every copy is dropped', () => {
    const r = drawCopies(choices, original, 0, { copies: 10, p: 0, seed: 3 });
    expect(r.outputs).toHaveLength(1);
    expect(r.identical).toBe(10);
  });

  it('moves offsets after an edit of a different length', () => {
    const edits = [{ start: 1, end: 3, text: '爱' }];
    expect(applyEdits('我喜欢电影', edits)).toBe('我爱电影');
    expect(mapOffset(3, edits)).toBe(2);
    expect(mapOffset(0, edits)).toBe(0);
    expect(mapOffset(1, edits)).toBe(1);
  });
});
