/**
 * Where `tinybert serve` gets the browser loader: the built package sends dist/browser/tinybert.js
 * (written by the build after tsc, so an install needs no esbuild); a checkout without that file
 * bundles the sources at start. The pack test checks the installed package end to end.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { browserLoader, PREBUILT_LOADER } from '../../src/serve/bundle.js';
import { ROOT } from '../helpers/shared.js';

describe('the browser loader tinybert serve sends', () => {
  it('from the build: the prebuilt dist/browser/tinybert.js, with every node: import stubbed', async () => {
    const built = (await import(pathToFileURL(join(ROOT, 'dist', 'src', 'serve', 'bundle.js')).href)) as typeof import('../../src/serve/bundle.js');
    expect(built.PREBUILT_LOADER).toBe(join(ROOT, 'dist', 'browser', 'tinybert.js'));
    const text = await built.browserLoader();
    expect(text).toBe(readFileSync(built.PREBUILT_LOADER, 'utf8'));
    expect(text).toContain('loadTfjsModel');
    expect(text).not.toMatch(/from\s*["']node:|require\(["']node:/);
  });

  it('from the sources, where no prebuilt file exists: bundled now with esbuild', async () => {
    expect(existsSync(PREBUILT_LOADER)).toBe(false);
    expect(await browserLoader()).toContain('loadTfjsModel');
  });
});
