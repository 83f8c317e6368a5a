/** The teacher_cache field of a stage in the recipe schema. */
import { expect, it } from 'vitest';
import { baseFailure, parseBase } from '../recipe/fixtures.js';

it('teacher_cache defaults to auto and takes off on a task-prediction stage', () => {
  const r = parseBase((x) => (x.stages.find((s: { kind: string }) => s.kind === 'task-prediction').teacher_cache = 'off'));
  expect(r.stages.map((s) => s.teacher_cache)).toEqual(['auto', 'auto', 'auto', 'off']);
});

it('refuses teacher_cache off on a stage that is not task-prediction', () => {
  expect(baseFailure((x) => (x.stages[0].teacher_cache = 'off'))).toMatch(/stages\[0\]\.teacher_cache: only a task-prediction stage caches its teacher's logits; remove teacher_cache: off/);
});

it('refuses a teacher_cache value other than auto or off', () => {
  expect(baseFailure((x) => (x.stages[3].teacher_cache = 'on'))).toMatch(/stages\[3\]\.teacher_cache: expected "auto" \| "off", saw string "on"/);
});
