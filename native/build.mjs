#!/usr/bin/env node
// Builds the native addon with node-gyp. Used as the package's `install` script, so it never
// fails: without a C++ compiler or OpenBLAS it prints one line and the toolkit runs on `cpu`.
// `node native/build.mjs --verbose` (npm run build:native) shows the compiler output and fails loudly.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const verbose = process.argv.includes('--verbose');

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath && join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((p) => p && existsSync(p));
}

function fail(reason) {
  const line = `tinybert: native backend not built (${reason}); using the slow cpu backend. For the fast path: apt-get install g++ make python3 libopenblas-dev && npm run build:native`;
  if (verbose) {
    console.error(line);
    process.exit(1);
  }
  console.log(line);
  process.exit(0);
}

if (process.env.TINYBERT_SKIP_NATIVE === '1') fail('TINYBERT_SKIP_NATIVE=1');
const gyp = findNodeGyp();
if (!gyp) fail('node-gyp not found');
const args = [gyp, 'rebuild', `--directory=${here}`];
if (existsSync('/usr/include/node/node_api.h') && !process.env.npm_config_nodedir) args.push('--nodedir=/usr');
const res = spawnSync(process.execPath, args, { stdio: verbose ? 'inherit' : 'pipe', encoding: 'utf8' });
if (res.status !== 0) {
  const out = `${res.stdout ?? ''}${res.stderr ?? ''}`;
  const reason = /cblas\.h|lopenblas/.test(out)
    ? 'OpenBLAS headers/library missing'
    : /not found|No such file/.test(out) && /g\+\+|make|c\+\+/.test(out)
      ? 'no C++ compiler'
      : 'node-gyp failed';
  fail(reason);
}
if (!verbose) console.log('tinybert: native backend built (native/build/Release/tinybert_native.node)');
