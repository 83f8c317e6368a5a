import { describe, expect, it } from 'vitest';
import { baseFailure as failure, parseBase as parse } from './fixtures.js';

describe('stage checks (issue 9)', () => {
  it('rejects losses: {} (it used to crash inside tfjs after earlier stages ran)', () => {
    expect(failure((r) => (r.stages[2].losses = {}))).toMatch(/stages\[2\]\.losses: a stage needs at least one loss term with a weight > 0, saw \{\}/);
  });

  it('rejects losses whose weights are all 0', () => {
    expect(failure((r) => (r.stages[3].losses = { prediction: 0 }))).toMatch(/stages\[3\]\.losses: a stage needs at least one loss term with a weight > 0, saw \{"prediction":0\}/);
  });

  it('accepts a zero-weight term next to a weighted one (logged, not trained on)', () => {
    expect(parse((r) => (r.stages[3].losses = { prediction: 1, hard: 0 })).stages[3].losses).toEqual({ prediction: 1, hard: 0 });
  });

  it('rejects eval on a task-intermediate stage, saying its head is untrained', () => {
    expect(failure((r) => (r.stages[2].eval = { every: 10 }))).toMatch(
      /stages\[2\]\.eval: a task-intermediate stage takes no eval: intermediate layers are distilled, the task head stays untrained/,
    );
  });

  it('a task-intermediate stage resolves no eval (it hands on its last model); task-prediction still evaluates', () => {
    const r = parse();
    expect(r.stages[2].kind).toBe('task-intermediate');
    expect(r.stages[2].eval).toBeUndefined();
    expect(r.stages[3].eval).toEqual({ every: 0, metric: 'accuracy' });
  });
});
