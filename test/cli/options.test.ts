/**
 * The command-line conventions every command follows: a numeric option given a non-number is
 * refused in one line (never run with NaN), and `--` ends the options: what follows is
 * positional even when it starts with "-", and an extra positional is an error, never dropped.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/shared.js';
import { expectUserError, tinybert } from '../helpers/cli.js';

const VOCAB = join(ROOT, 'recipes', 'demo', 'vocab.txt');

function tokens(r: { code: number; stdout: string; stderr: string }): string[] {
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { tokens: string[] }).tokens;
}

describe('numeric options', () => {
  it('refuses create --seed abc instead of using seed NaN', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tb-options-')), 'm');
    expectUserError(tinybert('create', '--config', 'teachers/demo-nezha.json', '--out', out, '--seed', 'abc'), /--seed: expected an integer >= 0, got "abc"$/);
  });

  it('refuses a non-number or a fraction for an integer option on every command', () => {
    expectUserError(tinybert('eval', 'some-model', '--data', 'dev.tsv', '--batch-size', 'x'), /--batch-size: expected an integer >= 1, got "x"$/);
    expectUserError(tinybert('predict', 'some-model', '--input', 'in.txt', '--max-seq-length', '1.5'), /--max-seq-length: expected an integer >= 3, got "1\.5"$/);
    expectUserError(tinybert('tokenize', '--vocab', VOCAB, '--max-length', '0', 'x'), /--max-length: expected an integer >= 1, got "0"$/);
    expectUserError(tinybert('tokenize', '--vocab', VOCAB, 'x', '--max-length'), /--max-length: expected an integer >= 1, got no value$/);
  });

  it('checks every value of a repeatable numeric option (distill-losses --temperature 1 x)', () => {
    expectUserError(tinybert('distill-losses', '--teacher', 't', '--student', 's', '--inputs', 'b.json', '--temperature', '1', 'x'), /--temperature: expected a number > 0, got "x"$/);
    expectUserError(tinybert('distill-losses', '--teacher', 't', '--student', 's', '--inputs', 'b.json', '--temperature', '-2'), /--temperature: expected a number > 0, got "-2"$/);
  });

  it('still accepts numbers, and a numeric option keeps its default', () => {
    expect(tokens(tinybert('tokenize', '--vocab', VOCAB, '--max-length', '3', '--json', '好好好'))).toEqual(['[CLS]', '好', '[SEP]']);
  });
});

describe('-- ends the options', () => {
  it('tokenize --vocab v.txt -- -foo tokenizes "-foo"', () => {
    const dash = tokens(tinybert('tokenize', '--vocab', VOCAB, '--json', '--', '-好'));
    expect(dash).toHaveLength(4);
    expect(dash[2]).toBe('好');
  });

  it('an option-looking word after -- is text, and -- itself may be the text', () => {
    expect(tokens(tinybert('tokenize', '--vocab', VOCAB, '--json', '--', '--json')).length).toBeGreaterThan(3);
    expect(tokens(tinybert('tokenize', '--vocab', VOCAB, '--json', '--', '--'))).toHaveLength(4);
  });

  it('a text after -- is never silently dropped: an extra positional is an error', () => {
    const r = tinybert('tokenize', '--vocab', VOCAB, 'abc', '--', '-foo');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown argument: -foo/);
    const two = tinybert('tokenize', '--vocab', VOCAB, '--', '-foo', 'bar');
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/Unknown argument: bar/);
  });

  it('other commands take their positional after -- too (inspect, eval)', () => {
    expectUserError(tinybert('inspect', '--', '-no-such-model'), /-no-such-model: model directory not found/);
    expectUserError(tinybert('eval', '--data', 'dev.tsv', '--', '-no-such-model'), /-no-such-model/);
    const extra = tinybert('inspect', '--', 'a', 'b');
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatch(/Unknown argument: b/);
  });
});
