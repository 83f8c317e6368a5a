/** A span `tasks:` entry in a whole recipe: the registry selects the span module, which resolves its stages. */
import { describe, expect, it } from 'vitest';
import { taskModule } from '../../../src/tasks/registry.js';
import { baseFailure, parseBase } from '../../recipe/fixtures.js';

const cmrc = { type: 'span', train: 'data/train.json', dev: 'data/dev.json' };

describe('a span task in a recipe', () => {
  it('validates with the span schema and resolves its stages: span head, two outputs, f1 as the default metric', () => {
    const r = parseBase((r) => (r.tasks.sentiment = cmrc));
    expect(r.tasks.sentiment).toMatchObject({ type: 'span', format: 'squad', max_seq_length: 384, doc_stride: 128 });
    expect(taskModule(r.tasks.sentiment!).kind).toBe('span');
    expect(r.stages[0]).toMatchObject({ head: 'span', num_labels: 2, max_seq_length: 384, eval: { every: 0, metric: 'f1' } });
    const em = parseBase((r) => ((r.tasks.sentiment = cmrc), (r.stages[0].eval = { metric: 'em' })));
    expect(em.stages[0]!.eval?.metric).toBe('em');
  });

  it('refuses a classification metric, head or label count on a span stage, naming what applies (two outputs, not labels)', () => {
    expect(baseFailure((r) => ((r.tasks.sentiment = cmrc), (r.stages[0].eval = { metric: 'accuracy' })))).toMatch(
      /stages\[0\]\.eval\.metric: accuracy does not apply to a span task; use f1, em/,
    );
    expect(baseFailure((r) => ((r.tasks.sentiment = cmrc), (r.stages[0].head = 'classification')))).toMatch(
      /stages\[0\]\.head: task "sentiment" \(type span\) trains a span head, not classification; remove head/,
    );
    expect(baseFailure((r) => ((r.tasks.sentiment = cmrc), (r.stages[0].num_labels = 3)))).toMatch(/stages\[0\]\.num_labels: task "sentiment" has 2 outputs, not 3/);
  });
});
