/**
 * The browser loader (src/browser/index.ts) as one ES module for the serve page, bundled with
 * esbuild when the server starts: tfjs, zod and the tokenizer are npm packages a browser cannot
 * import by name. Run from the built package the entry is dist/src/browser/index.js; from the
 * sources (tests), index.ts. The browser never calls the node: modules the loader's graph reaches
 * (Vocab.fromFile reads with node:fs); they become empty stubs, as in test/browser.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';

export async function bundleBrowserLoader(): Promise<string> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new UsageError('tinybert serve bundles the browser loader with esbuild, which is not installed here; run "npm install esbuild" in this project');
  }
  const browser = join(dirname(fileURLToPath(import.meta.url)), '..', 'browser');
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
