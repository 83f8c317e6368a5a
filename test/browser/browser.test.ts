/**
 * The tfjs export in a real browser: src/browser/index.ts is bundled with esbuild for the browser,
 * served with an exported tiny model from a localhost http server, and run in headless Chromium;
 * its logits must equal Node's to 1e-5. The same browser code also runs in Node over HTTP.
 * Skips with a message when Chromium is not installed (apt-get install chromium).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { loadTfjsModel, predict } from '../../src/browser/index.js';
import { exportModel } from '../../src/checkpoint/export.js';
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium.js';
import { expectClose } from '../helpers/close.js';
import { ROOT } from '../helpers/shared.js';
import { serveDir, type StaticServer } from '../helpers/static-server.js';
import { TINY_BATCH, TINY_CONFIG, tinyLogits, tinyModel, writeTrainingCheckpoint, writeVocab } from '../export/tiny.js';

/**
 * node: imports the browser graph may still reach. vocab.ts reads files with node:fs in
 * `Vocab.fromFile`, which the browser never calls; the bundle gets an empty stub for it. The list
 * must only shrink (the tokenizer's file reading belongs in a node-only module).
 */
const KNOWN_NODE_IMPORTERS = ['src/tokenizer/vocab.ts'];

const MODELS = {
  bert: TINY_CONFIG,
  nezha: { ...TINY_CONFIG, model_type: 'nezha' as const, use_relative_position: true, max_relative_position: 3, architectures: ['NezhaForSequenceClassification'] },
};

let tmp: string;
let site: string;
let server: StaticServer | undefined;
let baseUrl: string;
const nodeLogits: Record<string, Float32Array> = {};
const nodeImporters: string[] = [];

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  tmp = mkdtempSync(join(tmpdir(), 'tinybert-browser-'));
  site = join(tmp, 'site');
  mkdirSync(site, { recursive: true });
  const vocab = writeVocab(join(tmp, 'vocab'));
  for (const [name, config] of Object.entries(MODELS)) {
    const model = tinyModel(config);
    const checkpoint = join(tmp, `${name}-checkpoint`);
    await writeTrainingCheckpoint(model, checkpoint, vocab);
    nodeLogits[name] = tinyLogits(model);
    model.dispose();
    await exportModel(checkpoint, { out: join(site, name), format: 'tfjs' });
  }
  await esbuild.build({
    entryPoints: [join(ROOT, 'src/browser/index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(site, 'tinybert.js'),
    logLevel: 'error',
    plugins: [
      {
        name: 'node-builtins',
        setup(b) {
          b.onResolve({ filter: /^node:/ }, (a) => {
            nodeImporters.push(relative(ROOT, a.importer));
            return { path: a.path, namespace: 'node-stub' };
          });
          b.onLoad({ filter: /.*/, namespace: 'node-stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
        },
      },
    ],
  });
  writeFileSync(
    join(site, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>tinybert</title>
<script type="module">
import { loadTfjsModel, predict, predictTexts } from './tinybert.js';
const batch = ${JSON.stringify(TINY_BATCH)};
try {
  const out = {};
  for (const name of ${JSON.stringify(Object.keys(MODELS))}) {
    const loaded = await loadTfjsModel(name);
    out[name] = { logits: predict(loaded.model, batch).logits, texts: predictTexts(loaded, ['这部电影很好', ['不好', '太差']]).labels };
  }
  window.__result = out;
} catch (e) {
  window.__result = { error: String(e && e.stack || e) };
}
</script>`,
  );
  server = await serveDir(site);
  baseUrl = server.baseUrl;
}, 120_000);

afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('browser bundle', () => {
  it('reaches no node: module except the known, never-called ones', () => {
    expect([...new Set(nodeImporters)].filter((f) => !KNOWN_NODE_IMPORTERS.includes(f))).toEqual([]);
  });

  it('the browser loader gives the same logits in Node (over HTTP) as the training checkpoint', async () => {
    for (const name of Object.keys(MODELS)) {
      const { model, tokenizer } = await loadTfjsModel(`${baseUrl}/${name}/`);
      expect(tokenizer?.vocab.size).toBe(30);
      expectClose(predict(model, TINY_BATCH).logits.flat(), nodeLogits[name]!, { atol: 0, what: `${name} logits` });
      model.dispose();
    }
  });

  it('a missing export is a CheckpointError naming the URL', async () => {
    await expect(loadTfjsModel(`${baseUrl}/nothing`)).rejects.toThrow(/\/nothing\/model\.json: HTTP 404/);
  });
});

if (!hasChromium && process.env.TINYBERT_REQUIRE_CLIENTS) throw new Error(`${CHROMIUM} not found; CI runs the browser test (apt-get install chromium)`);
if (!hasChromium) process.stderr.write(`SKIPPED "headless Chromium": ${CHROMIUM} not found (apt-get install chromium)\n`);

(hasChromium ? describe : describe.skip)(`headless Chromium${hasChromium ? '' : ' [skipped: chromium absent]'}`, () => {
  it('loads the tfjs export and matches Node logits to 1e-5', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${baseUrl}/index.html`);
      await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 60_000 });
      const result = (await page.evaluate(() => (window as unknown as { __result: unknown }).__result)) as Record<string, { logits: number[][]; texts: string[] }> & { error?: string };
      expect(errors).toEqual([]);
      expect(result.error).toBeUndefined();
      for (const name of Object.keys(MODELS)) {
        expectClose(result[name]!.logits.flat(), nodeLogits[name]!, { atol: 1e-5, what: `${name} browser logits` });
        expect(result[name]!.texts.every((l) => ['negative', 'positive'].includes(l))).toBe(true);
      }
    } finally {
      await browser.close();
    }
  }, 120_000);
});
