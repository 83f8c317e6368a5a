/**
 * The browser loader's predictRecords runs the one inference path of the export's task kind: the
 * browser code, run in Node over HTTP, gives the same records as `tinybert predict` on the model
 * directory, for a token-classification export (entities with character offsets, over windows)
 * and for a classification export.
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
import { TINY_CONFIG, TINY_VOCAB, writeVocab } from '../export/tiny.js';

const TAGS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];
const TEXTS = ['我喜欢这部电影', '这本书很好是我的', '不好'];

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
  tmp = mkdtempSync(join(tmpdir(), 'tinybert-records-'));
  const vocab = writeVocab(join(tmp, 'vocab'));
  const configs = {
    ner: { ...TINY_CONFIG, architectures: undefined, head: 'token-classification', id2label: Object.fromEntries(TAGS.map((t, i) => [String(i), t])) },
    cls: TINY_CONFIG,
  };
  for (const [name, config] of Object.entries(configs)) {
    writeFileSync(join(tmp, `${name}.json`), JSON.stringify(config));
    await createModelDir({ config: join(tmp, `${name}.json`), out: join(tmp, name), vocab, seed: 11 });
    await exportModel(join(tmp, name), { out: join(tmp, 'site', name), format: 'tfjs' });
  }
  writeFileSync(join(tmp, 'texts.txt'), `${TEXTS.join('\n')}\n`);
  server = await serve(join(tmp, 'site'));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((r) => server?.close(r));
});

describe('predictRecords in the browser loader', () => {
  it('a token-classification export gives the entities predict gives, over windows shorter than the texts', async () => {
    const loaded = await loadTfjsModel(`${baseUrl}/ner/`);
    expect(TINY_VOCAB.length).toBe(loaded.tokenizer?.vocab.size);
    const browser = predictRecords(loaded, TEXTS, { maxLength: 5 });
    loaded.model.dispose();
    const node = await predictModelDir<Record<string, unknown>>(join(tmp, 'ner'), { input: join(tmp, 'texts.txt'), maxSeqLength: 5 });
    expect(browser).toEqual(node);
    expect(browser.map((r) => r.text)).toEqual(TEXTS);
  });

  it('a classification export gives the labels and probabilities predict gives', async () => {
    const loaded = await loadTfjsModel(`${baseUrl}/cls/`);
    const browser = predictRecords(loaded, TEXTS);
    loaded.model.dispose();
    const node = await predictModelDir<Record<string, unknown>>(join(tmp, 'cls'), { input: join(tmp, 'texts.txt') });
    expect(browser.map((r) => r.label)).toEqual(node.map((r) => r.label));
    browser.forEach((r, i) => expect(r.score as number).toBeCloseTo(node[i]!.score as number, 5));
  });
});
