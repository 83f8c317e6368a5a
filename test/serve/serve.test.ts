/**
 * `tinybert serve` on tiny students exported for TF.js: in headless Chromium a typed sentence gets
 * the label and probabilities `tinybert predict` gives, a typed text the entities it gives
 * (highlighted, with their types), a typed question and context the answer it gives (highlighted,
 * with its score); the run's report is linked. The server serves nothing outside the export.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelDir } from '../../src/checkpoint/create.js';
import { exportModel } from '../../src/checkpoint/export.js';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { serveModel } from '../../src/serve/index.js';
import { describeChromium } from '../helpers/chromium.js';
import { expectUserError, tinybert } from '../helpers/cli.js';
import { expectClose } from '../helpers/close.js';
import { TINY_CONFIG, writeVocab } from '../export/tiny.js';
import { tinyRecipe } from '../pipeline/tiny-run.js';
import { askInPage, predictInPage, predictWithCli, recordsWithCli, startServe, stopServes } from './page-check.js';

const SENTENCE = '这部电影很好看，演员也不错';

let run: string;
let tfjs: string;
let ner: string;
let qa: string;

beforeAll(async () => {
  const { dir, recipe } = tinyRecipe({ steps: 6 });
  await distill(loadRecipe(recipe), { quiet: true });
  run = join(dir, 'run');
  tfjs = join(run, 'tfjs');
  await exportModel(run, { out: tfjs, format: 'tfjs' });

  // Untrained token-classification and span students (random weights still tag and answer).
  const tmp = mkdtempSync(join(tmpdir(), 'tb-serve-'));
  const vocab = writeVocab(join(tmp, 'vocab'));
  const heads = {
    ner: { ...TINY_CONFIG, architectures: undefined, head: 'token-classification', id2label: { 0: 'O', 1: 'B-PER', 2: 'I-PER', 3: 'B-LOC', 4: 'I-LOC' } },
    qa: { ...TINY_CONFIG, architectures: undefined, id2label: undefined, head: 'span' },
  };
  for (const [name, config] of Object.entries(heads)) {
    writeFileSync(join(tmp, `${name}.json`), JSON.stringify(config));
    await createModelDir({ config: join(tmp, `${name}.json`), out: join(tmp, `${name}-model`), vocab, seed: 11 });
    await exportModel(join(tmp, `${name}-model`), { out: join(tmp, name), format: 'tfjs' });
  }
  ner = join(tmp, 'ner');
  qa = join(tmp, 'qa');
});

afterAll(() => stopServes());

function get(url: string, rawPath?: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: rawPath ?? u.pathname }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('tinybert serve: the server', () => {
  it('serves the page, the loader, the export and the run report, and nothing outside the export', async () => {
    const server = await serveModel(tfjs, { port: 0 });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(server.report).toBe(join(run, 'report.html'));
      expect((await get(server.url)).body).toContain('<a id="report-link" href="report.html">');
      expect((await get(`${server.url}tinybert.js`)).body).toContain('loadTfjsModel');
      expect(JSON.parse((await get(`${server.url}model/model.json`)).body)).toHaveProperty('weightsManifest');
      expect((await get(`${server.url}report.html`)).body).toContain('tinybert run report');
      for (const path of ['/model/%2e%2e%2frecipe.yaml', '/model/..%2Frecipe.yaml', '/model/../recipe.yaml', '/recipe.yaml', '/model/']) {
        expect((await get(server.url, path)).status, path).toBe(404);
      }
    } finally {
      await server.close();
    }
  });

  it('links no report when the export is outside a run', async () => {
    const server = await serveModel(ner, { port: 0 });
    try {
      expect(server.report).toBeUndefined();
      expect((await get(server.url)).body).not.toContain('report-link');
      expect((await get(`${server.url}report.html`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('refuses a folder without model.json, saying how to make a TF.js export', () => {
    expectUserError(tinybert('serve', join(run, 'export')), /export: no model\.json; the page loads a TF\.js export: make one with "tinybert export RUN_OR_MODEL --format tfjs --out DIR"/);
  });

  it('refuses a port in use, naming it', async () => {
    const busy = createServer();
    await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', () => ok()));
    const { port } = busy.address() as AddressInfo;
    try {
      await expect(serveModel(tfjs, { port })).rejects.toThrow(new RegExp(`^--port ${port}: the port is in use; choose another or --port 0 for a free one$`));
    } finally {
      busy.close();
    }
  });

  it('refuses a port above 65535', () => {
    expectUserError(tinybert('serve', tfjs, '--port', '70000'), /--port 70000: a TCP port is at most 65535/);
  });
});

/** What #highlighted reads as text: `text` with each span's caption right after it. */
function withCaptions(text: string, spans: { start: number; end: number; caption: string }[]): string {
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, s.end) + s.caption;
    at = s.end;
  }
  return out + text.slice(at);
}

describeChromium('tinybert serve in headless Chromium', () => {
  it('a typed sentence gets the label and probabilities tinybert predict gives; screenshot', async () => {
    const expected = predictWithCli(tfjs, SENTENCE);
    const shown = await predictInPage(await startServe(tfjs), SENTENCE, 'serve-classification.png');
    expect(shown.errors).toEqual([]);
    expect(shown.label).toBe(expected.label);
    expect(Object.keys(shown.probabilities)).toEqual(Object.keys(expected.probabilities));
    expectClose(Object.values(shown.probabilities), Object.values(expected.probabilities), { atol: 1e-5, what: 'page vs tinybert predict probabilities' });
    expect(shown.latency).toMatch(/^latency \d+(\.\d+)? ms/);
    expect(shown.reportLink).toBe('report.html');
  });

  it('a typed text gets the entities tinybert predict gives, highlighted with their types; typed markup stays text; screenshot', async () => {
    const text = '我喜欢<b>这本书</b>，这部电影很好';
    const [expected] = recordsWithCli(ner, `${text}\n`) as { entities: { type: string; start: number; end: number; text: string }[] }[];
    // Random weights: the check below only means something when there is an entity to show.
    expect(expected!.entities.length).toBeGreaterThan(0);
    const [shown] = await askInPage(await startServe(ner), [{ '#ner-text': text }], 'serve-ner.png');
    const { entities } = expected!;
    expect(shown!.errors).toEqual([]);
    expect(shown!.forms).toEqual(['form-ner']);
    expect(shown!.marks).toEqual(entities.map((e) => ({ text: e.text, caption: e.type, start: e.start, end: e.end })));
    expect(shown!.summary).toBe(`${entities.length} entit${entities.length === 1 ? 'y' : 'ies'}`);
    expect(shown!.highlighted).toBe(withCaptions(text, entities.map((e) => ({ ...e, caption: e.type }))));
    // "<b>" was typed, not parsed: the highlighted text holds only the marks and their captions.
    expect(shown!.elements.every((tag) => tag === 'MARK' || tag === 'SMALL'), shown!.elements.join()).toBe(true);
    expect(shown!.latency).toMatch(/^latency \d+(\.\d+)? ms/);
  });

  it('a typed question and context get the answer tinybert predict gives, highlighted with its score, and no answer when predict has none; screenshot', async () => {
    const question = '<i>什么</i>书好?';
    const context = '我喜欢这本书，这部电影不好是我的。';
    // An empty context has nothing to answer from: predict prints null offsets.
    const lines = [{ question, context: '' }, { question, context }].map((q) => `${JSON.stringify(q)}\n`).join('');
    const [none, expected] = recordsWithCli(qa, lines) as { answer: string; score: number; start: number | null; end: number | null }[];
    expect(none!.start).toBeNull();
    expect(expected!.start).not.toBeNull();
    const [unanswered, shown] = await askInPage(
      await startServe(qa),
      [{ '#qa-question': question, '#qa-context': '' }, { '#qa-question': question, '#qa-context': context }],
      'serve-qa.png',
    );
    expect(unanswered!.marks).toEqual([]);
    expect(unanswered!.summary).toBe('no answer');
    const { answer, score, start, end } = expected!;
    expect(shown!.errors).toEqual([]);
    expect(shown!.forms).toEqual(['form-qa']);
    expect(shown!.marks).toEqual([{ text: answer, caption: score.toFixed(4), start, end }]);
    expectClose([shown!.score], [score], { atol: 1e-5, what: 'page vs tinybert predict answer score' });
    expect(shown!.summary).toBe(`answer: ${answer} (score ${score.toFixed(4)})`);
    expect(shown!.highlighted).toBe(withCaptions(context, [{ start: start!, end: end!, caption: score.toFixed(4) }]));
    expect(shown!.latency).toMatch(/^latency \d+(\.\d+)? ms/);
  });
});
