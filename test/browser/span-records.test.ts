/**
 * The browser loader's predictRecords on a span export: [question, context] pairs give the records
 * `tinybert predict` gives for the same questions as JSON lines (the answer with its score and
 * character offsets), over windows shorter than the contexts; a single text is refused.
 */
import { createReadStream, existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { loadTfjsModel, predictRecords } from '../../src/browser/index.js';
import { createModelDir } from '../../src/checkpoint/create.js';
import { exportModel } from '../../src/checkpoint/export.js';
import { predictModelDir } from '../../src/pipeline/evaluate.js';
import { TINY_CONFIG, writeVocab } from '../export/tiny.js';

const PAIRS: [string, string][] = [
  ['这是什么？', '我喜欢这部电影，这本书很好是我的。'],
  ['好不好？', '不好'],
  ['电影', '这部电影太差了，一般。'],
];

let tmp: string;
let server: Server;
let baseUrl: string;

function serve(root: string): Promise<Server> {
  const s = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (relative(root, path).startsWith('..') || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200);
    createReadStream(path).pipe(res);
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  tmp = mkdtempSync(join(tmpdir(), 'tinybert-span-records-'));
  const vocab = writeVocab(join(tmp, 'vocab'));
  writeFileSync(join(tmp, 'span.json'), JSON.stringify({ ...TINY_CONFIG, architectures: undefined, id2label: undefined, head: 'span' }));
  await createModelDir({ config: join(tmp, 'span.json'), out: join(tmp, 'span'), vocab, seed: 11 });
  await exportModel(join(tmp, 'span'), { out: join(tmp, 'site', 'span'), format: 'tfjs' });
  writeFileSync(join(tmp, 'questions.jsonl'), `${PAIRS.map(([question, context]) => JSON.stringify({ question, context })).join('\n')}\n`);
  server = await serve(join(tmp, 'site'));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((r) => server?.close(r));
});

describe('predictRecords on a span export', () => {
  it('[question, context] pairs give the answers, scores and offsets predict gives, over windows shorter than the contexts', async () => {
    const loaded = await loadTfjsModel(`${baseUrl}/span/`);
    const browser = predictRecords(loaded, PAIRS, { maxLength: 12 });
    const node = await predictModelDir<Record<string, unknown>>(join(tmp, 'span'), { input: join(tmp, 'questions.jsonl'), maxSeqLength: 12 });
    // The browser's inputs have no ids; everything else is the same record.
    const withoutId = (records: Record<string, unknown>[]) => records.map(({ id: _id, ...rest }) => rest);
    expect(withoutId(browser)).toEqual(withoutId(node));
    browser.forEach((r, i) => {
      expect(r.question).toBe(PAIRS[i]![0]);
      expect(PAIRS[i]![1].slice(r.start as number, r.end as number)).toBe(r.answer);
    });
    expect(() => predictRecords(loaded, ['一个问题'])).toThrow(/a span model answers a question about a context; got the single text "一个问题", expected \[question, context\]/);
    loaded.model.dispose();
  });
});
