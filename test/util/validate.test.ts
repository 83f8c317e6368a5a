/**
 * Every zod-parsed input goes through the one `validate()`: each accepts a good value and rejects a
 * bad one with `file: field.path: what was seen / expected`, as a named TinybertError subclass.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tf } from '../../src/backend/tf.js';
import { resolveExportSource } from '../../src/checkpoint/export.js';
import { distillLossesFromFiles } from '../../src/distill/parity.js';
import { resolveMapping } from '../../src/distill/mapping.js';
import { CheckpointError, ConfigError, DataError, RecipeError, TinybertError } from '../../src/errors.js';
import { parseModelConfig } from '../../src/model/config-schema.js';
import { readBatchJson } from '../../src/model/batch-json.js';
import { createOptimizer } from '../../src/train/optimizer.js';
import { AdamW } from '../../src/train/optimizers/adamw.js';
import { BertAdam } from '../../src/train/optimizers/bertadam.js';
import { Lamb } from '../../src/train/optimizers/lamb.js';
import { makeSchedule } from '../../src/train/schedule.js';
import { formatPath, validate } from '../../src/util/validate.js';

const tmp = mkdtempSync(join(tmpdir(), 'tb-validate-'));

/** The error `fn` throws (failing when it returns). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

function expectError(fn: () => unknown, ErrorClass: new (m: string) => TinybertError, message: string): void {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(ErrorClass);
  expect(e.message).toBe(message);
}

function file(name: string, value: unknown): string {
  const path = join(tmp, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

describe('validate()', () => {
  const schema = z.strictObject({ lr: z.number().positive(), name: z.enum(['a', 'b']) });

  it('returns the parsed value', () => {
    expect(validate(schema, { lr: 1, name: 'a' }, 'x.json', DataError)).toEqual({ lr: 1, name: 'a' });
  });

  it('throws the given error class naming the file, the field, what it saw and expected', () => {
    expectError(() => validate(schema, { lr: -1, name: 'a' }, 'x.json', ConfigError), ConfigError, 'x.json: lr: expected > 0, saw number -1');
  });

  it('prints the field path after `at` when the value sits inside a larger document', () => {
    expectError(() => validate(schema, { lr: 1, name: 'c' }, { at: 'stages[2].optimizer' }, RecipeError), RecipeError, 'stages[2].optimizer.name: expected "a" | "b", saw string "c"');
    expect(formatPath([], 'labels')).toBe('labels');
    expect(formatPath([0, 'x'], 'labels')).toBe('labels[0].x');
  });

  it('numbers several problems on one line', () => {
    expectError(() => validate(schema, { lr: 'x', name: 'c', extra: 1 }, 'x.json', DataError), DataError,
      'x.json: 3 problems: (1) x.json: lr: expected number, saw string "x"; (2) x.json: name: expected "a" | "b", saw string "c"; (3) x.json: extra: unknown key; expected one of: lr, name');
  });
});

describe('every zod-parsed input goes through validate()', () => {
  const config = { vocab_size: 10, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16 };

  it('model config: accepts a good one, rejects a bad field as a ConfigError', () => {
    expect(parseModelConfig(config, 'c.json').hiddenSize).toBe(8);
    expectError(() => parseModelConfig({ ...config, vocab_size: '10' }, 'c.json'), ConfigError, 'c.json: vocab_size: expected number, saw string "10"');
  });

  it('forward batch file: accepts a good one, rejects a bad field as a DataError', () => {
    expect(readBatchJson(file('ok-batch.json', { input_ids: [[2, 5, 3]] })).input_ids).toEqual([[2, 5, 3]]);
    const bad = file('bad-batch.json', { input_ids: 'x' });
    expectError(() => readBatchJson(bad), DataError, `${bad}: input_ids: expected array, saw string "x"`);
  });

  it('distill-losses labels: accepts class indices, rejects others as a DataError naming labels', () => {
    const ok = file('ok-labels.json', { input_ids: [[2, 5, 3]], labels: [1] });
    // The labels pass; the next thing read is the (missing) teacher directory.
    expect(thrown(() => distillLossesFromFiles({ teacher: join(tmp, 'no-teacher'), student: tmp, inputs: ok }))).toBeInstanceOf(CheckpointError);
    const bad = file('bad-labels.json', { input_ids: [[2, 5, 3]], labels: [-1] });
    expectError(() => distillLossesFromFiles({ teacher: tmp, student: tmp, inputs: bad }), DataError, `${bad}: labels[0]: expected >= 0, saw number -1`);
  });

  it('run manifest: accepts a good one, rejects a bad field as a CheckpointError', () => {
    const dir = join(tmp, 'run');
    mkdirSync(dir);
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ slots: { student: tmp }, student: 'student' }));
    expect(resolveExportSource(dir)).toMatchObject({ modelDir: tmp });
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ slots: 'x', student: 'student' }));
    expectError(() => resolveExportSource(dir), CheckpointError, `${join(dir, 'run.json')}: slots: expected record, saw string "x"`);
  });

  it('optimizer options: accepted, or a RecipeError naming the recipe field', () => {
    const params = () => new Map([['w', tf.variable(tf.zeros([2]))]]);
    expect(createOptimizer('adamw', params(), { b1: 0.8 }, 'stages[1].optimizer')).toBeInstanceOf(AdamW);
    expectError(() => createOptimizer('adamw', params(), { b1: 2 }, 'stages[1].optimizer'), RecipeError, 'stages[1].optimizer.options.b1: expected < 1, saw number 2');
  });

  it('an optimizer built directly with a bad option throws a RecipeError, not a ZodError', () => {
    const params = () => new Map([['w', tf.variable(tf.zeros([2]))]]);
    for (const Opt of [AdamW, BertAdam, Lamb]) {
      expect(new Opt(params(), { eps: 1e-7 })).toBeInstanceOf(Opt);
      expectError(() => new Opt(params(), { eps: -1 } as never), RecipeError, 'optimizer.options.eps: expected > 0, saw number -1');
    }
  });

  it('schedule: accepted, or a RecipeError naming the field', () => {
    expect(makeSchedule({ name: 'constant', warmup: 0 }, 10)(5)).toBe(1);
    expectError(() => makeSchedule({ name: 'nope' } as never, 10, 'stages[0].schedule'), RecipeError,
      'stages[0].schedule.name: expected "warmup-linear" | "constant" | "cosine" | "none", saw string "nope"');
  });

  it('layer mapping: accepted, or a RecipeError naming the field', () => {
    expect(resolveMapping('uniform', { layers: 4, heads: 2 }, { layers: 2, heads: 2 }).attention).toHaveLength(2);
    expectError(() => resolveMapping({ hidden: 'all' } as never, { layers: 4, heads: 2 }, { layers: 2, heads: 2 }, 'stages[0].mapping'), RecipeError,
      'stages[0].mapping.hidden: expected "uniform" or a list of {student, teacher} pairs, saw string "all"');
  });
});
