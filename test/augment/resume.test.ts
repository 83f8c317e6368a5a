import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { augment, sidecars } from '../../src/augment/index.js';
import { initBackend } from '../../src/backend/select.js';
import { tempDir, tinyMlm, writeTsv } from './fixtures.js';

let dir: string;
let model: string;

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  dir = tempDir();
  model = await tinyMlm(dir);
});

describe('augment resume', () => {
  it('refuses to resume over a data file that changed since the run began', async () => {
    const data = writeTsv(dir, 6, 'changing.tsv');
    const out = join(dir, 'changing-out.tsv');
    await augment({ model, data, out, header: true, copies: 2 });
    appendFileSync(data, 'positive\t很好\n');
    await expect(augment({ model, data, out, header: true, copies: 2, resume: true })).rejects.toThrow(/--resume: .*changing\.tsv changed since the run began \(\d+ → \d+ bytes/);
  });

  it('refuses a damaged progress file, naming the field', async () => {
    const data = writeTsv(dir, 4, 'd.tsv');
    const out = join(dir, 'd-out.tsv');
    await augment({ model, data, out, header: true, copies: 2 });
    const { progress } = sidecars(out);
    writeFileSync(progress, JSON.stringify({ ...JSON.parse(readFileSync(progress, 'utf8')), chunksDone: -1 }));
    await expect(augment({ model, data, out, header: true, copies: 2, resume: true })).rejects.toThrow(/d-out\.tsv\.progress\.json.*chunksDone/);
  });

  it('a run begun when the NER format was nerFormat resumes under format', async () => {
    const data = join(dir, 'old.txt');
    writeFileSync(data, '我 O\n喜 O\n欢 O\n\n这 B-X\n书 I-X\n很 O\n好 O\n\n');
    const out = join(dir, 'old-out.txt');
    const opts = { model, data, out, kind: 'token-classification' as const, format: 'conll' as const, copies: 2 };
    const first = await augment(opts);
    const { progress } = sidecars(out);
    const saved = JSON.parse(readFileSync(progress, 'utf8'));
    const { format, ...rest } = saved.options;
    writeFileSync(progress, JSON.stringify({ ...saved, options: { ...rest, nerFormat: format } }));
    expect((await augment({ ...opts, resume: true })).written).toBe(first.written);
  });

  it('refuses to continue an unfinished run an earlier version began with another draw order, but reads a finished one', async () => {
    const data = writeTsv(dir, 4, 'v1.tsv');
    const out = join(dir, 'v1-out.tsv');
    const first = await augment({ model, data, out, header: true, copies: 2 });
    const { progress } = sidecars(out);
    const { draws, ...before } = JSON.parse(readFileSync(progress, 'utf8'));
    expect(draws).toBe(2);
    writeFileSync(progress, JSON.stringify(before));
    expect((await augment({ model, data, out, header: true, copies: 2, resume: true })).written).toBe(first.written);
    writeFileSync(progress, JSON.stringify({ ...before, finished: false, chunksDone: 0 }));
    await expect(augment({ model, data, out, header: true, copies: 2, resume: true })).rejects.toThrow(/--resume: .*v1-out\.tsv was begun by an earlier tinybert that drew copies in another order.*--overwrite/);
  });

  it('resuming a finished run writes nothing and reports its counts', async () => {
    const data = writeTsv(dir, 4, 'f.tsv');
    const out = join(dir, 'f-out.tsv');
    const first = await augment({ model, data, out, header: true, copies: 3 });
    const bytes = readFileSync(out);
    const again = await augment({ model, data, out, header: true, copies: 3, resume: true });
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect(again.written).toBe(first.written);
  });
});
