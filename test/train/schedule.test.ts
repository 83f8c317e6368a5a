import { describe, expect, it } from 'vitest';
import { lrMultiplier, makeSchedule, scheduleNameSchema } from '../../src/train/schedule.js';

describe('warmup-linear (reference)', () => {
  it('golden multipliers: progress from the step count before the increment', () => {
    // bertadam_steps.json lr_multipliers for warmup 0.1, t_total 10
    expect([0, 1, 2].map((s) => lrMultiplier('warmup-linear', s, 10, 0.1))).toEqual([0.0, 1.0, 0.888888888888889]);
  });
  it('ramps during warm-up and reaches 0 at the end, never below', () => {
    expect(lrMultiplier('warmup-linear', 5, 100, 0.1)).toBeCloseTo(0.5, 12);
    expect(lrMultiplier('warmup-linear', 100, 100, 0.1)).toBe(0);
    expect(lrMultiplier('warmup-linear', 150, 100, 0.1)).toBe(0);
  });
  it('warmup 0 decays linearly from 1', () => {
    expect(lrMultiplier('warmup-linear', 0, 4, 0)).toBe(1);
    expect(lrMultiplier('warmup-linear', 1, 4, 0)).toBe(0.75);
  });
});

describe('constant, cosine, none', () => {
  it('constant: warm-up then 1', () => {
    expect(lrMultiplier('constant', 0, 10, 0.2)).toBe(0);
    expect(lrMultiplier('constant', 1, 10, 0.2)).toBeCloseTo(0.5, 12);
    expect(lrMultiplier('constant', 2, 10, 0.2)).toBe(1);
    expect(lrMultiplier('constant', 50, 10, 0.2)).toBe(1);
  });
  it('cosine: warm-up, half a cosine to 0 at the end, 0 after', () => {
    expect(lrMultiplier('cosine', 1, 10, 0.2)).toBeCloseTo(0.5, 12);
    expect(lrMultiplier('cosine', 2, 10, 0.2)).toBe(1);
    expect(lrMultiplier('cosine', 6, 10, 0.2)).toBeCloseTo(0.5, 12);
    expect(lrMultiplier('cosine', 10, 10, 0.2)).toBeCloseTo(0, 12);
    expect(lrMultiplier('cosine', 13, 10, 0.2)).toBeCloseTo(0, 12);
  });
  it('none: always 1, even without a run length (reference ConstantLR)', () => {
    expect(lrMultiplier('none', 0, 0)).toBe(1);
    expect(lrMultiplier('none', 99, 10)).toBe(1);
  });
});

describe('validation', () => {
  it('names every schedule', () => {
    expect(scheduleNameSchema.options).toEqual(['warmup-linear', 'constant', 'cosine', 'none']);
  });
  it('rejects a missing run length and a warm-up of 1', () => {
    expect(() => lrMultiplier('cosine', 0, 0)).toThrow('schedule cosine: total_steps must be positive, got 0');
    expect(() => lrMultiplier('warmup-linear', 0, 10, 1)).toThrow('schedule.warmup: expected a fraction in [0, 1), got 1');
  });
  it('makeSchedule binds the run length and names bad fields', () => {
    const f = makeSchedule({ name: 'warmup-linear', warmup: 0.1 }, 10);
    expect(f(2)).toBe(0.888888888888889);
    expect(() => makeSchedule({ name: 'linear' } as never, 10, 'stages[2].schedule')).toThrow(/^stages\[2\]\.schedule\.name: /);
    expect(() => makeSchedule({ warmup: 1.5 }, 10)).toThrow('schedule.warmup: expected < 1, saw number 1.5');
  });
});
