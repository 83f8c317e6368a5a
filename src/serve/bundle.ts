/**
 * The browser loader (src/browser/index.ts) as one ES module for the serve page: tfjs, zod and the
 * tokenizer are npm packages a browser cannot import by name. `npm run build` (and `prepare`, so a
 * packed or git-installed tinybert has it) writes the bundle to dist/browser/tinybert.js with
 * esbuild, a devDependency; `tinybert serve` reads that file, and bundles at start only in a
 * checkout without it (running from the sources, or built by tsc alone).
 *
 * The entry is the compiled dist/src/browser/index.js, else (from the sources) index.ts. The
 * browser never calls the node: modules the loader's graph reaches (Vocab.fromFile reads with
 * node:fs); they become empty stubs, as in test/browser.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { writeTextAtomic } from '../util/fs.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** dist/browser/tinybert.js, seen from dist/src/serve (from src/serve it names a file that never exists). */
export const PREBUILT_LOADER = join(HERE, '..', '..', 'browser', 'tinybert.js');

/** The loader the page imports: the bundle built with the package, else bundled now. */
export async function browserLoader(): Promise<string> {
  return existsSync(PREBUILT_LOADER) ? readFileSync(PREBUILT_LOADER, 'utf8') : bundleBrowserLoader();
}

/** Bundles the loader into PREBUILT_LOADER (the build step after tsc); returns the path. */
export async function writeBrowserBundle(out = PREBUILT_LOADER): Promise<string> {
  writeTextAtomic(out, await bundleBrowserLoader());
  return out;
}

export async function bundleBrowserLoader(): Promise<string> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new UsageError(
      `${PREBUILT_LOADER}: the prebuilt browser loader is missing and esbuild, which bundles it, is not installed; ` +
        'run "npm run build" in a tinybert checkout (or "npm install esbuild" here)',
    );
  }
  const browser = join(HERE, '..', 'browser');
  const entry = ['index.js', 'index.ts'].map((f) => join(browser, f)).find((f) => existsSync(f));
  if (!entry) throw new UsageError(`${browser}: the browser loader is missing (no index.js); rebuild tinybert with "npm run build"`);
  const out = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    plugins: [
      {
        name: 'node-builtins',
        setup(b) {
          b.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: 'node-stub' }));
          b.onLoad({ filter: /.*/, namespace: 'node-stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
        },
      },
    ],
  });
  return out.outputFiles[0]!.text;
}
