/**
 * Headless Debian Chromium through playwright-core, for tests that look at a page the way a person
 * would (the report, the serve page). Absent Chromium skips those tests with a message, and fails
 * them when TINYBERT_REQUIRE_CLIENTS is set (CI), as test/browser does. Screenshots go to the test
 * output folder ($TINYBERT_TEST_OUTPUT, else tinybert-test-output in the temp folder).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe } from 'vitest';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const TEST_OUTPUT = process.env.TINYBERT_TEST_OUTPUT ?? join(tmpdir(), 'tinybert-test-output');

/** `describe` for the Chromium part of a test file: skipped (or failing under CI) without Chromium. */
export function describeChromium(name: string, fn: () => void): void {
  if (!hasChromium && process.env.TINYBERT_REQUIRE_CLIENTS) throw new Error(`${CHROMIUM} not found; CI runs the browser tests (apt-get install chromium)`);
  if (hasChromium) {
    describe(name, fn);
    return;
  }
  process.stderr.write(`SKIPPED "${name}": ${CHROMIUM} not found (apt-get install chromium)\n`);
  describe.skip(`${name} [skipped: chromium absent]`, fn);
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Where a test's screenshot goes; the path is printed so a person can open it. */
export function screenshotPath(name: string): string {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  const path = join(TEST_OUTPUT, name);
  process.stderr.write(`screenshot: ${path}\n`);
  return path;
}
