/** The task registry: a `tasks:` entry validates with the schema of the module its `type` selects. */
import { describe, expect, it } from 'vitest';
import { TASK_MODULES, taskModule } from '../../src/tasks/registry.js';
import { baseFailure, parseBase } from '../recipe/fixtures.js';

const ner = { type: 'token-classification', train: 'data/train.conll', dev: 'data/dev.conll' };

describe('the task registry', () => {
  it('maps every classification type to the classification module, token-classification and span to their own', () => {
    expect(Object.fromEntries(Object.entries(TASK_MODULES).map(([t, m]) => [t, m.kind]))).toEqual({
      single: 'classification',
      pair: 'classification',
      regression: 'classification',
      'token-classification': 'token-classification',
      span: 'span',
    });
  });

  it('refuses an unknown task type with one message listing the known ones', () => {
    const message = baseFailure((r) => (r.tasks.sentiment.type = 'ner'));
    expect(message).toMatch(/tasks\.sentiment\.type: unknown task type "ner"; known: single, pair, regression, token-classification/);
    expect(message.split('\n')).toHaveLength(1);
  });

  it('validates a token-classification entry with its own schema (conll fields, not classification columns)', () => {
    const r = parseBase((r) => (r.tasks.sentiment = ner));
    expect(r.tasks.sentiment).toMatchObject({ type: 'token-classification', format: 'conll', tag_column: -1, max_seq_length: 128, stride: 64 });
    expect(taskModule(r.tasks.sentiment!).kind).toBe('token-classification');
    expect(baseFailure((r) => (r.tasks.sentiment = { ...ner, header: true }))).toMatch(/tasks\.sentiment.*header/);
  });

  it('resolves a token-classification stage: its head, f1 as the default metric, num_labels from the train file when no labels are listed', () => {
    const r = parseBase((r) => (r.tasks.sentiment = ner));
    const ft = r.stages[0]!;
    expect(ft).toMatchObject({ head: 'token-classification', eval: { every: 0, metric: 'f1' } });
    expect(ft.num_labels).toBeUndefined();
    const listed = parseBase((r) => (r.tasks.sentiment = { ...ner, labels: ['O', 'B-PER', 'I-PER'] }));
    expect(listed.stages[0]!.num_labels).toBe(3);
  });

  it('refuses a classification metric or head on a token-classification stage, naming what applies', () => {
    expect(baseFailure((r) => ((r.tasks.sentiment = ner), (r.stages[0].eval = { metric: 'mcc' })))).toMatch(
      /stages\[0\]\.eval\.metric: mcc does not apply to a token-classification task; use f1, precision, recall, accuracy/,
    );
    expect(baseFailure((r) => ((r.tasks.sentiment = ner), (r.stages[0].head = 'classification')))).toMatch(
      /stages\[0\]\.head: task "sentiment" \(type token-classification\) trains a token-classification head, not classification; remove head/,
    );
  });

  it('refuses a stage naming an inherited object property ("constructor") as its task, model slot or corpus', () => {
    expect(baseFailure((r) => (r.stages[3].task = 'constructor'))).toMatch(/stages\[3\]\.task: unknown task "constructor"; tasks defines: sentiment/);
    expect(baseFailure((r) => (r.stages[0].train = 'toString'))).toMatch(/stages\[0\]\.train: unknown model slot "toString"/);
    expect(baseFailure((r) => (r.stages[1].corpus = 'constructor'))).toMatch(/stages\[1\]\.corpus: unknown corpus "constructor"/);
  });
});
