/**
 * `import { ... } from 'tinybert'` in a fresh project: pack the package as npm publishes it, put
 * the tarball's contents where `npm install` would (node_modules/tinybert, its dependencies
 * resolved from ours, so no registry is needed), run its install script, type-check and run the
 * README's Library example verbatim, and check its predictions against the library in-process.
 * esbuild, a devDependency, is left out as npm install leaves it out: `tinybert serve` sends the
 * browser loader bundled at build time.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { predictModelDir } from '../../src/pipeline/evaluate.js';
import { ROOT } from '../helpers/shared.js';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

let tmp: string;
let consumer: string;
let packed: string[];
const timings: Record<string, number> = {};

function timed<T>(what: string, fn: () => T): T {
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    timings[what] = Math.round(performance.now() - t0);
  }
}

/** The first ```ts block under "## Library" in the README: the example users copy. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /^## Library\n[\s\S]*?^```ts\n([\s\S]*?)^```/m.exec(readme);
  if (!m) throw new Error('README.md has no ```ts block under "## Library"');
  return m[1];
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd: consumer, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tinybert-pack-'));
  consumer = join(tmp, 'consumer');
  const json = timed('npm pack', () =>
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8' }),
  );
  const [info] = JSON.parse(json) as { filename: string; files: { path: string }[] }[];
  packed = info.files.map((f) => f.path);
  const modules = join(consumer, 'node_modules');
  mkdirSync(modules, { recursive: true });
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { tinybert: `file:../${info.filename}` } }));
  timed('unpack', () => execFileSync('tar', ['xzf', join(tmp, info.filename), '-C', modules]));
  renameSync(join(modules, 'package'), join(modules, 'tinybert'));
  for (const dep of readdirSync(join(ROOT, 'node_modules'))) {
    if (dep !== 'tinybert' && dep !== 'esbuild') symlinkSync(join(ROOT, 'node_modules', dep), join(modules, dep));
  }
}, 180_000);
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  process.stderr.write(`pack test timings (ms): ${JSON.stringify(timings)}\n`);
});

describe('the packed tarball in a fresh ESM project', () => {
  it('holds dist with types, bin and the native sources, and no tests or build output', () => {
    for (const f of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/browser/index.js', 'dist/src/browser/index.d.ts',
      'dist/browser/tinybert.js', 'bin/tinybert.js', 'native/build.mjs', 'native/binding.gyp', 'native/src/addon.cc', 'package.json', 'README.md']) {
      expect(packed, f).toContain(f);
    }
    expect(packed.filter((f) => /^(test|src|bench|dist\/bench|dist\/test|native\/build)\//.test(f))).toEqual([]);
  });

  it('its install script succeeds (one line, cpu fallback) when the native addon cannot be built', () => {
    const r = timed('install script, no compiler', () => run('npm', ['rebuild', 'tinybert', '--offline', '--foreground-scripts'], { CXX: '/bin/false' }));
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/tinybert: native backend not built \(node-gyp failed\); using the slow cpu backend/);
  });

  it('the README Library example type-checks against the shipped .d.ts, as do the browser subpath and a misuse', () => {
    writeFileSync(join(consumer, 'example.ts'), readmeExample());
    writeFileSync(join(consumer, 'types.ts'), [
      "import { loadTfjsModel, type LoadedTfjsModel } from 'tinybert/browser';",
      "import { DataError, LOSSES, predictModelDir, type Recipe, type ModelConfig } from 'tinybert';",
      'export const load: (url: string) => Promise<LoadedTfjsModel> = loadTfjsModel;',
      'export const kinds: string[] = Object.keys(LOSSES);',
      'export const err: Error = new DataError("x");',
      'export type Parts = [Recipe["stages"], ModelConfig["hiddenSize"]];',
      '// @ts-expect-error predictModelDir needs { input }: the types are real, not any',
      "export const bad = predictModelDir('dir', {});",
      '',
    ].join('\n'));
    // skipLibCheck: tfjs's own .d.ts do not compile under strict without it (tsc --init sets it too).
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, outDir: 'out', types: ['node'] },
      files: ['example.ts', 'types.ts'],
    }));
    const r = timed('tsc', () => run(process.execPath, [TSC, '-p', 'tsconfig.json']));
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  });

  it('the README Library example runs: creates a model, tokenizes from tokenizer.json, predicts what the library predicts', async () => {
    const r = timed('example run', () => run(process.execPath, ['out/example.js']));
    expect(r.status, r.out).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe('我 喜 欢 这 部 电 影');
    await initBackend('cpu', { quiet: true });
    const expected = await predictModelDir(join(consumer, 'tiny-model'), { input: join(consumer, 'input.txt') });
    expect(lines.slice(1)).toEqual(expected.map((p) => `${p.label} ${p.score.toFixed(3)}`));
    expect(expected.map((p) => p.text_a)).toEqual(['我喜欢这部电影', '电影不好']);
  });

  it('the installed bin runs the CLI', () => {
    const r = run(process.execPath, [join('node_modules', 'tinybert', 'bin', 'tinybert.js'), 'inspect', 'tiny-model'], { TINYBERT_BACKEND: 'cpu' });
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/vocab\s+14 tokens/);
  });

  it('tinybert serve runs without esbuild: it sends the browser loader bundled at build time', async () => {
    const installed = join(consumer, 'node_modules', 'tinybert');
    expect(() => createRequire(join(installed, 'package.json')).resolve('esbuild')).toThrow(/Cannot find module 'esbuild'/);
    const bin = join(installed, 'bin', 'tinybert.js');
    const exported = run(process.execPath, [bin, 'export', 'tiny-model', '--format', 'tfjs', '--out', 'tiny-tfjs'], { TINYBERT_BACKEND: 'cpu' });
    expect(exported.status, exported.out).toBe(0);
    const child = spawn(process.execPath, [bin, 'serve', 'tiny-tfjs', '--port', '0'], { cwd: consumer, env: { ...process.env, TINYBERT_BACKEND: 'cpu' } });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /at (http:\/\/\S+\/)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => reject(new Error(`tinybert serve exited with ${code}: ${out}`)));
      });
      const loader = await (await fetch(`${url}tinybert.js`)).text();
      expect(loader).toContain('loadTfjsModel');
      expect(loader).toBe(readFileSync(join(installed, 'dist', 'browser', 'tinybert.js'), 'utf8'));
    } finally {
      child.kill('SIGTERM');
    }
  });
});
