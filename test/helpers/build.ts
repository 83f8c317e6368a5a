/**
 * Builds as `npm run build` does, so tests that spawn bin/tinybert.js run the current code, not a
 * stale build: src/ to dist/, then the browser loader bundle `tinybert serve` sends.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './shared.js';

export function buildDist(): void {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle-browser.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
}
