/**
 * The built `tinybert` binary end to end: forward output diffable against the reference dumps,
 * create + inspect, and user mistakes ending with one line on stderr, exit 1, no stack trace.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../helpers/close.js';
import { describeGolden, GOLDEN, golden, type TensorJson } from '../helpers/shared.js';
import { expectUserError, tinybert } from '../helpers/cli.js';

describe('tinybert CLI', () => {
  it('create then inspect a NEZHA model from a shipped config', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tb-cli-')), 'teacher');
    const c = tinybert('create', '--config', 'teachers/demo-nezha.json', '--out', out, '--seed', '3', '--vocab', 'recipes/demo/vocab.txt');
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/created .*teacher \([\d,]+ parameters, seed 3\)/);
    const i = tinybert('inspect', out);
    expect(i.code).toBe(0);
    expect(i.stdout).toMatch(/type\s+nezha \(relative positions, k=16\)/);
    expect(i.stdout).toMatch(/vocab\s+245 tokens/);
    expect(i.stdout).toMatch(/layer 3/);
  });

  it('--help explains every command', () => {
    const h = tinybert('--help');
    expect(h.code).toBe(0);
    for (const cmd of ['distill', 'create', 'inspect', 'forward', 'tokenize', 'export', 'distill-losses']) expect(h.stdout).toContain(cmd);
  });

  it('a bad config is one line naming the file and field, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tb-cli-'));
    const bad = join(dir, 'c.json');
    writeFileSync(bad, JSON.stringify({ vocab_size: 10, hidden_size: 30, num_hidden_layers: 1, num_attention_heads: 4, intermediate_size: 8 }));
    expectUserError(tinybert('create', '--config', bad, '--out', join(dir, 'm')), /c\.json: num_attention_heads: hidden_size 30 is not divisible/);
  });

  it('a missing model directory is a user error', () => {
    expectUserError(tinybert('inspect', '/nonexistent/model'), /\/nonexistent\/model: model directory not found/);
  });

  it('an unknown option is a usage error with exit 2', () => {
    const r = tinybert('inspect', 'x', '--frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown argument/);
  });
});

describeGolden('tinybert CLI on the golden models', () => {
  for (const [dir, expected] of [['nezha_teacher', 'teacher_outputs.json'], ['tinybert_student', 'student_outputs.json']]) {
    it(`forward ${dir} writes the reference layout and values`, () => {
      const out = join(mkdtempSync(join(tmpdir(), 'tb-cli-')), 'out.json');
      const r = tinybert('forward', join(GOLDEN, dir), '--inputs', join(GOLDEN, 'batch.json'), '--out', out);
      expect(r.code, r.stderr).toBe(0);
      const got = JSON.parse(readFileSync(out, 'utf8')) as Record<string, TensorJson>;
      const want = golden<Record<string, TensorJson>>(expected);
      for (const key of Object.keys(want).filter((k) => !k.startsWith('fit_dense'))) {
        expect(got[key].shape).toEqual(want[key].shape);
        expectClose(got[key].data, want[key].data, { atol: 1e-5, maskedBelow: -100, maskedRtol: 1e-6, what: key });
      }
    });
  }

  it('the legacy (pre-1.6) torch file is read: the golden one lacks only the word embeddings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tb-cli-'));
    copyFileSync(join(GOLDEN, 'nezha_teacher/bert_config.json'), join(dir, 'bert_config.json'));
    copyFileSync(join(GOLDEN, 'nezha_teacher/legacy_pytorch_model.bin'), join(dir, 'pytorch_model.bin'));
    expectUserError(tinybert('inspect', dir), /pytorch_model\.bin: weights do not match the config: 1 missing \(bert\.embeddings\.word_embeddings\.weight\)$/);
  });

  it('tokenize with a missing vocab names the file', () => {
    expectUserError(tinybert('tokenize', '--vocab', '/nonexistent/vocab.txt', '你好'), /\/nonexistent\/vocab\.txt/);
  });
});
