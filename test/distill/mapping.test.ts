import { describe, expect, it } from 'vitest';
import { mappingSchema, resolveMapping, uniformPairs } from '../../src/distill/mapping.js';
import { RecipeError } from '../../src/errors.js';

const T4 = { layers: 4, heads: 4 };
const S2 = { layers: 2, heads: 4 };

describe('uniform mapping', () => {
  it('4 -> 2 is the golden task_distill.py mapping', () => {
    const m = resolveMapping('uniform', T4, S2);
    // distill_losses.json layer_mapping: attention [[0,1],[1,3]], hidden [[0,0],[1,2],[2,4]]
    expect(m.attention).toEqual([{ student: 0, teacher: 1 }, { student: 1, teacher: 3 }]);
    expect(m.hidden).toEqual([
      { student: 0, teacher: 0 },
      { student: 1, teacher: 2 },
      { student: 2, teacher: 4 },
    ]);
    expect(m.attentionHeads).toBe('match');
  });
  it('12 -> 4 (NEZHA-base -> TinyBERT-4L): last layer of each block of 3', () => {
    const p = uniformPairs(12, 4);
    expect(p.attention.map((x) => x.teacher)).toEqual([2, 5, 8, 11]);
    expect(p.hidden.map((x) => x.teacher)).toEqual([0, 3, 6, 9, 12]);
  });
  it('defaults to uniform when the spec is omitted or partial', () => {
    expect(resolveMapping(undefined, T4, S2)).toEqual(resolveMapping('uniform', T4, S2));
    expect(resolveMapping({}, T4, S2)).toEqual(resolveMapping('uniform', T4, S2));
  });
  it('rejects N not divisible by M, naming both counts', () => {
    expect(() => resolveMapping('uniform', { layers: 6, heads: 4 }, { layers: 4, heads: 4 })).toThrow(
      new RecipeError(
        "mapping: uniform mapping needs the teacher's layer count to be a multiple of the student's, got teacher 6 and student 4 layers; list explicit {student, teacher} pairs instead",
      ),
    );
  });
});

describe('explicit mapping', () => {
  const T6 = { layers: 6, heads: 4 };
  const S4 = { layers: 4, heads: 4 };
  const attention = [
    { student: 0, teacher: 1 },
    { student: 1, teacher: 2 },
    { student: 2, teacher: 4 },
    { student: 3, teacher: 5 },
  ];
  const hidden = [0, 2, 3, 5, 6].map((t, s) => ({ student: s, teacher: t }));
  it('allows N not divisible by M', () => {
    const m = resolveMapping({ attention, hidden }, T6, S4);
    expect(m.attention).toEqual(attention);
    expect(m.hidden).toEqual(hidden);
  });
  it('mixes explicit attention with uniform hidden states', () => {
    const m = resolveMapping({ attention: [{ student: 1, teacher: 0 }] }, T4, S2);
    expect(m.attention).toEqual([{ student: 1, teacher: 0 }]);
    expect(m.hidden.length).toBe(3);
  });
  it('rejects a teacher layer out of range, naming the field and the pair', () => {
    expect(() => resolveMapping({ attention: [{ student: 0, teacher: 6 }], hidden }, T6, S4)).toThrow(
      'mapping.attention[0] {student: 0, teacher: 6}: teacher layer 6 does not exist (valid: 0..5)',
    );
  });
  it('rejects a student hidden state out of range', () => {
    expect(() => resolveMapping({ attention, hidden: [{ student: 5, teacher: 6 }] }, T6, S4)).toThrow(
      'mapping.hidden[0] {student: 5, teacher: 6}: student hidden state 5 does not exist (valid: 0..4)',
    );
  });
  it('rejects a student layer mapped twice', () => {
    const twice = [{ student: 0, teacher: 1 }, { student: 0, teacher: 2 }];
    expect(() => resolveMapping({ attention: twice, hidden }, T6, S4, 'stages[1].mapping')).toThrow(
      'stages[1].mapping.attention[1] {student: 0, teacher: 2}: student layer 0 is already mapped by stages[1].mapping.attention[0]; one pair per student layer',
    );
  });
  it('rejects negative and fractional indices through the schema, naming the path', () => {
    expect(() => resolveMapping({ attention: [{ student: 0, teacher: -1 }] }, T4, S2)).toThrow(
      'mapping.attention[0].teacher: expected >= 0, saw number -1',
    );
    expect(() => resolveMapping({ hidden: [{ student: 1.5, teacher: 2 }] }, T4, S2)).toThrow(
      /^mapping\.hidden\[0\]\.student: .*expected int/,
    );
  });
  it('rejects unknown keys and wrong kinds', () => {
    expect(() => resolveMapping({ attn: 'uniform' } as never, T4, S2)).toThrow(/^mapping\.attn: unknown key; expected one of: attention, hidden, attention_heads$/);
    expect(() => resolveMapping({ attention: 'linear' } as never, T4, S2)).toThrow(
      'mapping.attention: expected "uniform" or a list of {student, teacher} pairs',
    );
    expect(() => resolveMapping('skip' as never, T4, S2)).toThrow(
      'mapping: expected "uniform" or an object {attention, hidden, attention_heads}',
    );
    expect(() => resolveMapping({ attention: [{ student: 0 }] } as never, T4, S2)).toThrow(/^mapping\.attention\[0\]\.teacher:/);
  });
});

describe('attention heads', () => {
  const T12 = { layers: 4, heads: 12 };
  it('rejects different head counts unless averaged', () => {
    expect(() => resolveMapping('uniform', T12, S2)).toThrow(
      'mapping.attention_heads: the teacher has 12 attention heads and the student 4; maps can only be compared head by head when the counts match; set attention_heads: average to compare head-averaged maps',
    );
  });
  it('accepts them with attention_heads: average', () => {
    const m = resolveMapping({ attention_heads: 'average' }, T12, S2);
    expect(m.attentionHeads).toBe('average');
    expect(m.attention.length).toBe(2);
  });
  it('accepts them when no attention pairs are mapped', () => {
    expect(resolveMapping({ attention: [] }, T12, S2).attention).toEqual([]);
  });
  it('rejects an unknown head mode', () => {
    expect(() => resolveMapping({ attention_heads: 'max' } as never, T12, S2)).toThrow(/^mapping\.attention_heads:/);
  });
  it('the schema output is plain data', () => {
    expect(mappingSchema.parse(undefined)).toBe('uniform');
  });
});
