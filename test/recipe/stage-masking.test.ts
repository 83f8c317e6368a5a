import { describe, expect, it } from 'vitest';
import { baseFailure, parseBase } from './fixtures.js';

const pretrain = { name: 'pt', kind: 'pretrain', train: 'teacher', corpus: 'wiki', steps: 10 };

describe('stage field masking', () => {
  it('defaults to token, and a pretrain stage accepts whole-word and span', () => {
    expect(parseBase((r) => r.stages.unshift(pretrain)).stages[0].masking).toBe('token');
    for (const masking of ['whole-word', 'span']) {
      expect(parseBase((r) => r.stages.unshift({ ...pretrain, masking })).stages[0].masking).toBe(masking);
    }
  });

  it('refuses an unknown masking mode, naming the field and the choices', () => {
    const msg = baseFailure((r) => r.stages.unshift({ ...pretrain, masking: 'words' }));
    expect(msg).toMatch(/stages\[0\]\.masking: expected "token" \| "whole-word" \| "span", saw string "words"/);
  });

  it('refuses masking on a stage that does not pre-train', () => {
    const msg = baseFailure((r) => (r.stages[1].masking = 'span'));
    expect(msg).toMatch(/stages\[1\]\.masking: /);
    expect(msg).toContain('only a pretrain stage masks its input; remove masking: span');
  });
});
