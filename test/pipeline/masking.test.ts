import { describe, expect, it } from 'vitest';
import { maskTokens } from '../../src/pipeline/masking.js';

const batch = (T: number, B: number) => {
  const inputIds = new Int32Array(B * T);
  const attentionMask = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T - 4; t++) {
      inputIds[b * T + t] = t === 0 ? 2 : t === T - 5 ? 3 : 10 + ((b * 7 + t) % 50);
      attentionMask[b * T + t] = 1;
    }
  }
  return { inputIds, tokenTypeIds: new Int32Array(B * T), attentionMask, batchSize: B, seqLen: T };
};
const ids = { maskId: 4, vocabSize: 100, special: new Set([0, 2, 3]) };

describe('masked-LM corruption', () => {
  it('masks about p of the real non-special tokens, 80/10/10, labels only there', () => {
    const b = batch(64, 64);
    const m = maskTokens(b, ids, 0.15, 1);
    let chosen = 0;
    let masked = 0;
    let kept = 0;
    let real = 0;
    for (let i = 0; i < b.inputIds.length; i++) {
      const special = b.attentionMask[i] === 0 || ids.special.has(b.inputIds[i]);
      if (!special) real++;
      if (m.labels![i] === -1) {
        expect(m.inputIds[i]).toBe(b.inputIds[i]);
        continue;
      }
      expect(special, `position ${i} is special but chosen`).toBe(false);
      expect(m.labels![i]).toBe(b.inputIds[i]);
      chosen++;
      if (m.inputIds[i] === ids.maskId) masked++;
      else if (m.inputIds[i] === b.inputIds[i]) kept++;
    }
    expect(chosen / real).toBeGreaterThan(0.12);
    expect(chosen / real).toBeLessThan(0.18);
    expect(masked / chosen).toBeGreaterThan(0.74);
    expect(masked / chosen).toBeLessThan(0.86);
    expect(kept / chosen).toBeGreaterThan(0.05);
    expect(b.inputIds[1]).not.toBe(undefined);
  });

  it('is a pure function of the seed (resumed runs mask the same tokens)', () => {
    const b = batch(32, 8);
    expect(Array.from(maskTokens(b, ids, 0.15, 9).inputIds)).toEqual(Array.from(maskTokens(b, ids, 0.15, 9).inputIds));
    expect(Array.from(maskTokens(b, ids, 0.15, 9).labels!)).not.toEqual(Array.from(maskTokens(b, ids, 0.15, 10).labels!));
  });
});
