import { describe, expect, it } from 'vitest';
import { applyEdits, drawCopies, mapOffset, planCopies, plannedUnits, realiseCopies } from '../../src/augment/rewrite.js';

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

  it('a plan replaces each replaceable unit with probability p, and never another unit', () => {
    const replaceable = [[true, false, true, true], [false, true]];
    let replaced = 0;
    let draws = 0;
    for (let i = 0; i < 200; i++) {
      const plan = planCopies(replaceable, i, { copies: 20, p: 0.4, seed: 9 });
      for (const copy of plan.copies) {
        copy.forEach((units, t) => units.forEach((r) => expect(replaceable[t]![r.unit]).toBe(true)));
        replaced += copy.flat().length;
        draws += 4;
      }
    }
    // 16,000 coins: the share is 0.4 within 4 standard errors (0.0155).
    expect(Math.abs(replaced / draws - 0.4)).toBeLessThan(0.0155);
  });

  it('the units planned are the union over copies; a unit without candidates stays as it is', () => {
    const plan = planCopies([[true, true]], 4, { copies: 8, p: 0.5, seed: 2 });
    const union = new Set(plan.copies.flatMap((c) => c[0]!.map((r) => r.unit)));
    expect(plannedUnits(plan, 1)).toEqual([union]);
    const none = realiseCopies(plan, [{ units: [{ start: 0, end: 1, candidates: [] }, { start: 3, end: 5, candidates: [] }] }], original);
    expect(none.outputs).toHaveLength(1);
    expect(none.identical).toBe(8);
    // drawCopies is the plan over the units that have candidates, realised.
    const withCandidates = realiseCopies(planCopies([[true, true]], 4, { copies: 8, p: 0.5, seed: 2 }), choices, original);
    expect(drawCopies(choices, original, 4, { copies: 8, p: 0.5, seed: 2 })).toEqual(withCandidates);
  });

  it('moves offsets after an edit of a different length', () => {
    const edits = [{ start: 1, end: 3, text: '爱' }];
    expect(applyEdits('我喜欢电影', edits)).toBe('我爱电影');
    expect(mapOffset(3, edits)).toBe(2);
    expect(mapOffset(0, edits)).toBe(0);
    expect(mapOffset(1, edits)).toBe(1);
  });
});
