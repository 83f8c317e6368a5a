/** Compiles src/ to dist/ so tests that spawn bin/tinybert.js run the current code, not a stale build. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './shared.js';

export function buildDist(): void {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
}
