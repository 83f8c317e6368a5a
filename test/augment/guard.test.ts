import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { augment } from '../../src/augment/index.js';
import { initBackend } from '../../src/backend/select.js';
import { tempDir, tinyClassifier, tinyMlm, writeTsv } from './fixtures.js';

let dir: string;
let model: string;
let guardModel: string;
let data: string;
const base = () => ({ model, data, header: true, copies: 4, candidates: 4, guardModel });

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  dir = tempDir();
  model = await tinyMlm(dir);
  guardModel = await tinyClassifier(dir);
  data = writeTsv(dir, 8);
});

describe('label guard', () => {
  it('confidence 1 drops every augmented copy and keeps every original', async () => {
    const s = await augment({ ...base(), out: join(dir, 'c1.tsv'), guard: { confidence: 1 } });
    expect(s.guard).toEqual({ kept: 0, dropped: s.guard!.dropped });
    expect(s.guard!.dropped).toBeGreaterThan(0);
    expect(s.written).toBe(8);
  });

  it('a tiny confidence keeps every copy', async () => {
    const s = await augment({ ...base(), out: join(dir, 'c0.tsv'), guard: { confidence: 1e-6 } });
    expect(s.guard!.dropped).toBe(0);
    expect(s.augmented).toBe(s.guard!.kept);
  });

  it('refuses a label the guard model does not know, naming the row', async () => {
    await expect(augment({ ...base(), out: join(dir, 'bad.tsv'), labels: ['0', '1'] })).rejects.toThrow(/train\.tsv:2: label "positive" is not one of \["0","1"\]/);
  });

  it('refuses the guard on NER data', async () => {
    await expect(augment({ ...base(), kind: 'token-classification', format: 'conll', out: join(dir, 'n.txt') })).rejects.toThrow(/--guard-model: the label guard applies to classification only/);
  });
});
