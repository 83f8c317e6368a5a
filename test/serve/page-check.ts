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

/** What `tinybert predict DIR` says of `sentence`. */
export function predictWithCli(dir: string, sentence: string): { label: string; probabilities: Record<string, number> } {
  const input = join(mkdtempSync(join(tmpdir(), 'tb-serve-')), 'input.txt');
  writeFileSync(input, `${sentence}\n`);
  const r = tinybert('predict', dir, '--input', input);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim()) as { label: string; probabilities: Record<string, number> };
}
