/** Shards of a document format: SQuAD JSON opens in shard 0 and closes in the last shard. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { augment } from '../../src/augment/index.js';
import { initBackend } from '../../src/backend/select.js';
import { readSquad } from '../../src/tasks/span/index.js';
import { SENTENCES, tempDir, tinyMlm } from './fixtures.js';

let dir: string;
let model: string;

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  dir = tempDir();
  model = await tinyMlm(dir);
});

describe('augment shards', () => {
  it('SQuAD JSON shards concatenate to the unsharded document, which parses', async () => {
    const paragraphs = SENTENCES.map((s, i) => ({ context: `${s}，我喜欢这本书。`, qas: [{ id: `q${i}`, question: '喜欢什么', answers: [{ text: '这本书', answer_start: s.length + 4 }] }] }));
    const data = join(dir, 'squad.json');
    writeFileSync(data, JSON.stringify({ version: 'v1.1', data: [{ title: 'a', paragraphs }] }));
    const opts = { model, data, kind: 'span' as const, copies: 3, chunk: 2, seed: 4 };
    const whole = join(dir, 'whole.json');
    await augment({ ...opts, out: whole });
    const parts: Buffer[] = [];
    for (let i = 0; i < 3; i++) {
      const out = join(dir, `part${i}.json`);
      await augment({ ...opts, out, shard: { index: i, count: 3 } });
      parts.push(readFileSync(out));
    }
    expect(Buffer.concat(parts).equals(readFileSync(whole))).toBe(true);
    expect(readSquad(whole).examples.length).toBeGreaterThan(SENTENCES.length);
  });

  it('more shards than chunks: the empty shards write nothing but the last closes the document', async () => {
    const data = join(dir, 'one.json');
    writeFileSync(data, JSON.stringify({ data: [{ paragraphs: [{ context: '这部电影很好', qas: [{ id: 'x', question: '什么好', answers: [{ text: '电影', answer_start: 2 }] }] }] }] }));
    const parts: Buffer[] = [];
    for (let i = 0; i < 3; i++) {
      const out = join(dir, `one${i}.json`);
      await augment({ model, data, out, kind: 'span', copies: 2, shard: { index: i, count: 3 } });
      parts.push(readFileSync(out));
    }
    expect(parts[1]!.length).toBe(0);
    const whole = join(dir, 'one-whole.json');
    await augment({ model, data, out: whole, kind: 'span', copies: 2 });
    expect(Buffer.concat(parts).equals(readFileSync(whole))).toBe(true);
  });
});
