/**
 * `tinybert augment` end to end as separate processes: shards concatenate to the unsharded output,
 * the same seed gives the same bytes, a killed run resumes to the same bytes, and what it may not
 * overwrite is refused.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, expectUserError, tinybert } from '../helpers/cli.js';
import { ROOT } from '../helpers/shared.js';
import { tempDir, tinyClassifier, tinyMlm, writeTsv } from './fixtures.js';

let dir: string;
let model: string;
let data: string;
const common = ({ seed = '11', mlm = model } = {}) => ['augment', '--model', mlm, '--data', data, '--header', '--copies', '5', '--candidates', '4', '--chunk', '3', '--seed', seed];
const read = (path: string) => readFileSync(path);

beforeAll(async () => {
  dir = tempDir();
  model = await tinyMlm(dir);
  data = writeTsv(dir, 20);
});

describe('tinybert augment', () => {
  it('three shards run as separate processes concatenate to the unsharded output, sidecar included', () => {
    const whole = join(dir, 'whole.tsv');
    expect(tinybert(...common(), '--out', whole).code).toBe(0);
    const parts = [0, 1, 2].map((i) => {
      const out = join(dir, `part${i}.tsv`);
      const r = tinybert(...common(), '--out', out, '--shard', `${i}/3`);
      expect(r.code, r.stderr).toBe(0);
      return out;
    });
    expect(Buffer.concat(parts.map(read)).equals(read(whole))).toBe(true);
    expect(Buffer.concat(parts.map((p) => read(`${p}.stats.jsonl`))).equals(read(`${whole}.stats.jsonl`))).toBe(true);
    // Only shard 0 holds the header row.
    expect(read(parts[1]!).toString()).not.toMatch(/^label\t/);
    const lines = read(whole).toString().trimEnd().split('\n');
    expect(lines[0]).toBe('label\ttext_a');
    expect(lines.length).toBeGreaterThan(21);
  });

  it('two runs with the same seed are byte-identical; another seed differs', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((n) => join(dir, `seed-${n}.tsv`));
    expect(tinybert(...common(), '--out', a!).code).toBe(0);
    expect(tinybert(...common(), '--out', b!).code).toBe(0);
    expect(read(a!).equals(read(b!))).toBe(true);
    expect(tinybert(...common({ seed: '12' }), '--out', c!).code).toBe(0);
    expect(read(a!).equals(read(c!))).toBe(false);
  });

  it('a run killed mid-way resumes to the same bytes as an uninterrupted run', async () => {
    const big = writeTsv(dir, 400, 'big.tsv');
    const args = (out: string) => ['augment', '--model', model, '--data', big, '--header', '--copies', '3', '--candidates', '4', '--chunk', '1', '--out', out];
    const whole = join(dir, 'big-whole.tsv');
    expect(tinybert(...args(whole)).code).toBe(0);

    const out = join(dir, 'big-killed.tsv');
    const child = spawn(process.execPath, [BIN, ...args(out)], { cwd: ROOT, env: { ...process.env, TINYBERT_BACKEND: 'cpu' }, stdio: 'ignore' });
    const progress = `${out}.progress.json`;
    let killedAt = -1;
    for (let i = 0; i < 3000 && killedAt < 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      if (!existsSync(progress)) continue;
      const p = JSON.parse(readFileSync(progress, 'utf8')) as { chunksDone: number; finished: boolean };
      if (p.chunksDone >= 20) {
        child.kill('SIGKILL');
        killedAt = p.chunksDone;
      }
    }
    await new Promise((r) => child.once('exit', r));
    expect(killedAt).toBeGreaterThanOrEqual(20);
    const saved = JSON.parse(readFileSync(progress, 'utf8')) as { finished: boolean };
    expect(saved.finished).toBe(false);
    // A torn write past the last saved chunk, as a kill during a write leaves.
    appendFileSync(out, 'half a row\t');
    appendFileSync(`${out}.stats.jsonl`, '{"half');

    expectUserError(tinybert(...args(out)), /exists \(unfinished augment run\); give --resume to continue it or --overwrite/);
    const r = tinybert(...args(out), '--resume');
    expect(r.code, r.stderr).toBe(0);
    expect(read(out).equals(read(whole))).toBe(true);
    expect(read(`${out}.stats.jsonl`).equals(read(`${whole}.stats.jsonl`))).toBe(true);
  }, 120_000);

  it('refuses --resume with other options, naming them', () => {
    const out = join(dir, 'changed.tsv');
    expect(tinybert(...common(), '--out', out).code).toBe(0);
    expectUserError(tinybert(...common(), '--out', out, '--resume', '--p', '0.2'), /--resume: options differ from the run being resumed: p 0\.4 → 0\.2/);
  });

  it('refuses to overwrite a file it did not write, even with --overwrite', () => {
    const out = join(dir, 'mine.tsv');
    writeFileSync(out, 'precious\n');
    expectUserError(tinybert(...common(), '--out', out, '--overwrite'), /mine\.tsv: the file exists and was not written by tinybert augment/);
    expect(readFileSync(out, 'utf8')).toBe('precious\n');
  });

  it('refuses a fine-tuned model as the candidate source', async () => {
    const clf = await tinyClassifier(dir);
    expectUserError(tinybert(...common({ mlm: clf }), '--out', join(dir, 'x.tsv')), /--model .*clf: has head "classification"; expected mlm or pretraining \(the pre-trained teacher/);
  });

  it('--help describes every augment option', () => {
    const h = tinybert('augment', '--help');
    expect(h.code).toBe(0);
    for (const o of ['--model', '--data', '--out', '--copies', '--seed', '--shard', '-p', '--candidates', '--whole-word', '--word-vectors', '--stop-words', '--guard-model', '--guard', '--masks-per-row', '--resume', '--overwrite', '--text-b', '--kind']) {
      expect(h.stdout).toContain(o);
    }
    expect(h.stdout).toMatch(/Replacement probability per unit \(default 0\.4\)/);
    expect(h.stdout).toMatch(/--copies .*\(default\s+20\)/s);
  });

  it('--format selects the NER format, as it does for eval', () => {
    const ner = join(dir, 'ner.data');
    writeFileSync(ner, '我 O\n喜 O\n欢 O\n这 B-X\n书 I-X\n\n');
    const args = ['augment', '--model', model, '--data', ner, '--kind', 'token-classification', '--copies', '2'];
    expectUserError(tinybert(...args, '--out', join(dir, 'ner-a.conll')), /--format: cannot tell the format of .*ner\.data from its name; give --format conll\|jsonl\|ernie\|bmes/);
    const out = join(dir, 'ner-b.conll');
    const r = tinybert(...args, '--format', 'conll', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(read(out).toString()).toMatch(/^我 O\n喜 O\n欢 O\n这 B-X\n书 I-X\n\n/);
  });

  it('refuses a malformed --shard and --guard', () => {
    expectUserError(tinybert(...common(), '--out', join(dir, 'y.tsv'), '--shard', '3/3'), /--shard: expected I\/N with 0 <= I < N/);
    expectUserError(tinybert(...common(), '--out', join(dir, 'y.tsv'), '--guard', 'confidence:2'), /--guard: expected agree or confidence:τ/);
  });

  it('the label guard drops copies its classifier disagrees with and reports the counts', async () => {
    const clf = await tinyClassifier(dir);
    const out = join(dir, 'guarded.tsv');
    const r = tinybert(...common(), '--out', out, '--guard-model', clf, '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { guard: { kept: number; dropped: number }; augmented: number; written: number };
    expect(s.guard.kept).toBe(s.augmented);
    expect(s.guard.kept + s.guard.dropped).toBeGreaterThan(0);
    const unguarded = join(dir, 'unguarded.tsv');
    tinybert(...common(), '--out', unguarded);
    const n = (p: string) => read(p).toString().trimEnd().split('\n').length;
    expect(n(out)).toBe(n(unguarded) - s.guard.dropped);
    expect(JSON.parse(readFileSync(`${out}.summary.json`, 'utf8')).guard).toEqual(s.guard);
  });
});
