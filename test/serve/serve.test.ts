/**
 * `tinybert serve` on a tiny distilled student exported for TF.js: in headless Chromium a typed
 * sentence gets the label and probabilities `tinybert predict` gives; the run's report is linked;
 * heads the browser loader cannot run yet say so. The server serves nothing outside the export.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../../src/checkpoint/export.js';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { serveModel } from '../../src/serve/index.js';
import { describeChromium, launchChromium, screenshotPath } from '../helpers/chromium.js';
import { expectUserError, tinybert } from '../helpers/cli.js';
import { expectClose } from '../helpers/close.js';
import { TINY_CONFIG, tinyModel, writeTrainingCheckpoint, writeVocab } from '../export/tiny.js';
import { tinyRecipe } from '../pipeline/tiny-run.js';
import { predictInPage, predictWithCli, startServe, stopServes } from './page-check.js';

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

  // A token-classification export: the browser loader has no entity decoding yet.
  const tmp = mkdtempSync(join(tmpdir(), 'tb-serve-'));
  const model = tinyModel({ ...TINY_CONFIG, architectures: ['BertForTokenClassification'], id2label: { 0: 'O', 1: 'B-PER', 2: 'I-PER' } });
  await writeTrainingCheckpoint(model, join(tmp, 'ner-checkpoint'), writeVocab(join(tmp, 'vocab')));
  model.dispose();
  ner = join(tmp, 'ner');
  await exportModel(join(tmp, 'ner-checkpoint'), { out: ner, format: 'tfjs' });
  const span = tinyModel({ ...TINY_CONFIG, architectures: ['BertForQuestionAnswering'], id2label: undefined });
  await writeTrainingCheckpoint(span, join(tmp, 'qa-checkpoint'), join(tmp, 'vocab', 'vocab.txt'));
  span.dispose();
  qa = join(tmp, 'qa');
  await exportModel(join(tmp, 'qa-checkpoint'), { out: qa, format: 'tfjs' });
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

  it('a token-classification export shows its form and says the browser loader cannot run it yet', async () => {
    const url = await startServe(ner);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
      await page.goto(url);
      await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
      expect(await page.locator('#form-ner').isVisible()).toBe(true);
      expect(await page.locator('#form-classification').isVisible()).toBe(false);
      await page.locator('#ner-text').fill('我喜欢这本书');
      await page.locator('#form-ner button').click();
      await page.waitForSelector('body[data-state="unsupported"]');
      expect(await page.locator('#status').textContent()).toMatch(/^The browser loader cannot run a token-classification \(NER\) head yet/);
      await page.screenshot({ path: screenshotPath('serve-ner.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
  it('highlights what the loader finds, once it has predictEntities / predictAnswer (stand-ins added to the served loader)', async () => {
    const browser = await launchChromium();
    try {
      const shots: [string, string, (page: Page) => Promise<void>, string][] = [
        [ner, 'export function predictEntities(loaded, text) { return [{ start: 0, end: 3, label: "PER" }]; }', async (page) => {
          await page.locator('#ner-text').fill('王小明<b>去了北京</b>');
          await page.locator('#form-ner button').click();
        }, 'serve-ner-highlight.png'],
        [qa, 'export function predictAnswer(loaded, q, context) { return { start: 2, end: 4, text: context.slice(2, 4) }; }', async (page) => {
          await page.locator('#qa-question').fill('谁?');
          await page.locator('#qa-context').fill('我喜欢这本书');
          await page.locator('#form-qa button').click();
        }, 'serve-qa-highlight.png'],
      ];
      const marks: string[][] = [];
      for (const [dir, extra, act, shot] of shots) {
        const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
        await page.route('**/tinybert.js', async (route) => {
          const original = await route.fetch();
          await route.fulfill({ response: original, body: `${await original.text()}\n${extra}\n` });
        });
        await page.goto(await startServe(dir));
        await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
        await act(page);
        await page.waitForSelector('body[data-state="done"]');
        marks.push(await page.locator('#highlighted mark').allTextContents());
        // The typed text stays text: no element comes out of "<b>".
        expect(await page.locator('#highlighted b').count()).toBe(0);
        await page.screenshot({ path: screenshotPath(shot), fullPage: true });
        await page.close();
      }
      // The entity and its label; the answer span of the context.
      expect(marks).toEqual([['王小明PER'], ['欢这']]);
    } finally {
      await browser.close();
    }
  });
});

