/** Reading a run folder for the report from hand-written files: resumed stages, totals, bad input. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRun, weightedTotal } from '../../src/report/run-data.js';

const RECIPE = `name: hand
stages:
  - { name: gd, kind: general, teacher: teacher, student: student, steps: 30, losses: { attention: 1, hidden: 0.5 } }
  - { name: tp, kind: task-prediction, teacher: teacher, student: student, steps: 10, max_seq_length: 48 }
`;

function runDir(log: object[], recipe = RECIPE): string {
  const dir = mkdtempSync(join(tmpdir(), 'tb-run-data-'));
  writeFileSync(join(dir, 'recipe.yaml'), recipe);
  writeFileSync(join(dir, 'log.jsonl'), log.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return dir;
}

const step = (n: number, attention: number, time = `2026-01-01T00:00:${String(n).padStart(2, '0')}Z`) => ({
  time,
  event: 'step',
  stage: 'gd',
  step: n,
  lr: 0.001,
  'loss.attention': attention,
  'loss.attention.layer0': attention,
  'loss.hidden': 2,
  examples_per_second: 10,
});

describe('readRun', () => {
  it('a resumed stage logs its steps after the checkpoint again: the later record of a step wins', () => {
    const dir = runDir([
      { event: 'run-start', backend: 'cpu' },
      step(10, 5),
      step(20, 4),
      { event: 'run-start', backend: 'cpu' },
      { event: 'resume', stage: 'gd', step: 10 },
      step(20, 3),
      step(30, 2),
    ]);
    const gd = readRun(dir).stages[0]!;
    expect(gd.steps.map((p) => [p.step, p.terms.attention])).toEqual([[10, 5], [20, 3], [30, 2]]);
  });

  it('the weighted total is the recipe weight times each top-level term; per-layer terms are not added', () => {
    const dir = runDir([step(10, 4)]);
    const gd = readRun(dir).stages[0]!;
    expect(weightedTotal(gd, gd.steps[0]!)).toBe(4 * 1 + 2 * 0.5);
  });

  it('without a weight for a logged term there is no total (never a guessed one)', () => {
    const dir = runDir([step(10, 4)], RECIPE.replace('losses: { attention: 1, hidden: 0.5 }', 'losses: { attention: 1 }'));
    const gd = readRun(dir).stages[0]!;
    expect(weightedTotal(gd, gd.steps[0]!)).toBeUndefined();
  });

  it("a run without run-end is in progress, and the models are timed at the last stage's sequence length", () => {
    const r = readRun(runDir([{ event: 'run-start', backend: 'native' }, step(10, 1)]));
    expect(r.inProgress).toBe(true);
    expect(r.backend).toBe('native');
    expect(r.maxSeqLength).toBe(48);
    expect(r.roles).toEqual({ teacher: 'teacher', student: 'student' });
  });

  it('warnings go to their stage, or to the run when they name none', () => {
    const r = readRun(runDir([{ event: 'warning', message: 'invalid UTF-8 in x.tsv' }, { event: 'warning', stage: 'gd', message: 'slow' }]));
    expect(r.warnings).toEqual(['invalid UTF-8 in x.tsv']);
    expect(r.stages[0]!.warnings).toEqual(['slow']);
  });

  it('refuses a recipe.yaml without stages, naming the file and field', () => {
    const dir = runDir([], 'name: hand\n');
    expect(() => readRun(dir)).toThrow(new RegExp(`${join(dir, 'recipe.yaml')}.*stages`));
  });

  it('refuses an unreadable done.json, naming it', () => {
    const dir = runDir([]);
    mkdirSync(join(dir, 'gd'));
    writeFileSync(join(dir, 'gd', 'done.json'), '{"output": ');
    expect(() => readRun(dir)).toThrow(new RegExp(`${join(dir, 'gd', 'done.json')}: not valid JSON`));
  });
});
