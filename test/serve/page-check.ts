/** Drives `tinybert serve` as a person would: start it, type a sentence in Chromium, read what the page shows. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { launchChromium, screenshotPath } from '../helpers/chromium.js';
import { BIN, tinybert } from '../helpers/cli.js';
import { ROOT } from '../helpers/shared.js';

const children: ChildProcess[] = [];

/** Starts `tinybert serve DIR --port 0` and resolves with the URL it prints. */
export function startServe(dir: string): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'serve', dir, '--port', '0'], { cwd: ROOT, env: { ...process.env, TINYBERT_BACKEND: 'cpu' } });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /at (http:\/\/\S+\/)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`tinybert serve exited with ${code}: ${err}`)));
  });
}

/** Stops every server this file started (by its own child handle). */
export function stopServes(): void {
  for (const c of children.splice(0)) c.kill('SIGTERM');
}

export interface Shown {
  label: string;
  probabilities: Record<string, number>;
  latency: string;
  reportLink?: string;
  errors: string[];
}

/** Loads the page, types `sentence`, presses Predict and reads the label, probabilities and latency. */
export async function predictInPage(url: string, sentence: string, screenshot: string): Promise<Shown> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
    await page.locator('#text-a').fill(sentence);
    await page.locator('#predict').click();
    await page.waitForSelector('body[data-state="done"]');
    const rows = await page.locator('#probabilities tr').evaluateAll((trs) => trs.map((tr) => [(tr as HTMLElement).dataset.label!, Number((tr as HTMLElement).dataset.p)] as const));
    const shown: Shown = {
      label: (await page.locator('#predicted-label').getAttribute('data-label')) ?? '',
      probabilities: Object.fromEntries(rows),
      latency: (await page.locator('#latency').textContent()) ?? '',
      reportLink: (await page.locator('#report-link').count()) ? ((await page.locator('#report-link').getAttribute('href')) ?? undefined) : undefined,
      errors,
    };
    await page.screenshot({ path: screenshotPath(screenshot), fullPage: true });
    return shown;
  } finally {
    await browser.close();
  }
}

export interface Asked {
  /** Ids of the forms on show. */
  forms: string[];
  /** The highlighted spans, in order, with the caption each shows (entity type, answer score). */
  marks: { text: string; caption: string; start: number; end: number }[];
  /** The whole highlighted text as a person reads it, captions included. */
  highlighted: string;
  /** Tag names of every element inside the highlighted text. */
  elements: string[];
  summary: string;
  /** The answer's full-precision score (QA). */
  score: number;
  latency: string;
  errors: string[];
}

/**
 * Loads the page and, for each entry of `asks` in turn, fills its fields (selector → text), submits
 * the form on show and reads the highlighted result; the screenshot shows the last one.
 */
export async function askInPage(url: string, asks: Record<string, string>[], screenshot: string): Promise<Asked[]> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
    const results: Asked[] = [];
    for (const fields of asks) {
      await page.evaluate(() => (document.body.dataset.state = 'ready'));
      for (const [selector, text] of Object.entries(fields)) await page.locator(selector).fill(text);
      await page.locator('form.active button').click();
      await page.waitForSelector('body[data-state="done"]');
      const marks = await page.locator('#highlighted mark').evaluateAll((ms) =>
        ms.map((m) => {
          const d = (m as HTMLElement).dataset;
          return { text: m.firstChild?.textContent ?? '', caption: d.caption ?? '', start: Number(d.start), end: Number(d.end) };
        }),
      );
      results.push({
        forms: await page.locator('form').evaluateAll((fs) => fs.filter((f) => (f as HTMLElement).offsetParent !== null).map((f) => f.id)),
        marks,
        highlighted: (await page.locator('#highlighted').textContent()) ?? '',
        elements: await page.locator('#highlighted *').evaluateAll((es) => es.map((e) => e.tagName)),
        summary: (await page.locator('#predicted-label').textContent()) ?? '',
        score: Number(await page.locator('#predicted-label').getAttribute('data-score')),
        latency: (await page.locator('#latency').textContent()) ?? '',
        errors: [...errors],
      });
    }
    await page.screenshot({ path: screenshotPath(screenshot), fullPage: true });
    return results;
  } finally {
    await browser.close();
  }
}

/** The records `tinybert predict DIR` prints for an input file holding `lines`. */
export function recordsWithCli(dir: string, lines: string): Record<string, unknown>[] {
  const input = join(mkdtempSync(join(tmpdir(), 'tb-serve-')), lines.startsWith('{') ? 'input.jsonl' : 'input.txt');
  writeFileSync(input, lines);
  const r = tinybert('predict', dir, '--input', input);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** What `tinybert predict DIR` says of `sentence`. */
export function predictWithCli(dir: string, sentence: string): { label: string; probabilities: Record<string, number> } {
  const input = join(mkdtempSync(join(tmpdir(), 'tb-serve-')), 'input.txt');
  writeFileSync(input, `${sentence}\n`);
  const r = tinybert('predict', dir, '--input', input);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim()) as { label: string; probabilities: Record<string, number> };
}
