/** `tinybert doctor`: every engine, whether it loads and why not, and what `auto` picks. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/backend/doctor.js';
import { explainAddonError } from '../../src/backend/select.js';
import { ROOT } from '../helpers/shared.js';

const BIN = join(ROOT, 'bin', 'tinybert.js');

function tinybert(env: Record<string, string>, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const base = { ...process.env };
  delete base.TINYBERT_BACKEND;
  delete base.TINYBERT_THREADS;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...base, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function report(env: Record<string, string> = {}): DoctorReport {
  const r = tinybert(env, 'doctor', '--json');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as DoctorReport;
}

const line = (r: DoctorReport, engine: string) => r.engines.find((e) => e.engine === engine)!;

describe('tinybert doctor', () => {
  it('lists every engine in the order auto tries them; cpu always loads; auto picks the first that loads', () => {
    const r = report();
    expect(r.engines.map((e) => e.engine)).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', 'native addon', 'cpu']);
    expect(line(r, 'cpu')).toMatchObject({ backend: 'cpu', loads: true, detail: expect.stringMatching(/^pure JavaScript \(@tensorflow\/tfjs-backend-cpu 4\.22\.\d+\)/) });
    expect(r.auto).toBe(r.engines.find((e) => e.loads)!.engine);
    expect(r.node).toBe(process.version);
    expect(r.threads).toBeGreaterThanOrEqual(1);
    expect(r.forced).toBeUndefined();
  });

  it('names a tfjs-node package that is not installed and the version to install', () => {
    const r = report();
    for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      const e = line(r, pkg);
      // This checkout installs neither (they are optional peer dependencies).
      expect(e.loads).toBe(false);
      expect(e.detail).toMatch(new RegExp(`^not installed \\(optional; npm install ${pkg.replace('/', '\\/')}@4\\.22\\.\\d+\\)$`));
    }
  });

  it('says the native addon is not built, and how to build it', () => {
    const r = report({ TINYBERT_NATIVE_ADDON: '/nonexistent/tinybert_native.node' });
    expect(line(r, 'native addon')).toEqual({
      engine: 'native addon',
      backend: 'native',
      loads: false,
      detail: 'addon not built (/nonexistent/tinybert_native.node missing); install a C++ compiler and libopenblas-dev, then run `npm rebuild tinybert` (or `npm run build:native` in a checkout)',
    });
    expect(r.auto).toBe('cpu');
  });

  it('says an addon file that does not load failed, with the loader message', () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'tb-doctor-')), 'tinybert_native.node');
    writeFileSync(bad, 'not a shared object');
    const e = line(report({ TINYBERT_NATIVE_ADDON: bad }), 'native addon');
    expect(e.loads).toBe(false);
    expect(e.detail).toMatch(new RegExp(`^addon ${bad} failed to load: .+; rebuild it: install a C\\+\\+ compiler`));
  });

  it('the native line loads and reports BLAS and threads when the addon is built', (ctx) => {
    const r = report({ TINYBERT_THREADS: '1' });
    const e = line(r, 'native addon');
    if (!e.loads) ctx.skip();
    expect(e.detail).toMatch(/^native \(C\+\+ addon: .+, 1 thread\)$/);
    expect(r.auto).toBe('native addon');
    expect([r.threads, r.threadsFrom]).toEqual([1, 'TINYBERT_THREADS']);
  });

  it('points a missing OpenBLAS library at the package to install', () => {
    expect(explainAddonError('addon x.node failed to load: libopenblas.so.0: cannot open shared object file: No such file or directory')).toBe(
      'addon x.node failed to load: libopenblas.so.0: cannot open shared object file: No such file or directory; the OpenBLAS runtime library is missing: apt-get install libopenblas0 (or libopenblas-dev)',
    );
  });

  it('shows a backend forced by TINYBERT_BACKEND or --backend', () => {
    expect(report({ TINYBERT_BACKEND: 'cpu' }).forced).toEqual({ backend: 'cpu', by: 'TINYBERT_BACKEND' });
    const r = tinybert({}, 'doctor', '--json', '--backend', 'native');
    expect((JSON.parse(r.stdout) as DoctorReport).forced).toEqual({ backend: 'native', by: '--backend' });
  });

  it('prints a table by default', () => {
    const r = tinybert({ TINYBERT_NATIVE_ADDON: '/nonexistent/x.node' }, 'doctor');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^engine\s+loads\s+detail$/);
    expect(lines).toContainEqual(expect.stringMatching(/^native addon\s+no\s+addon not built/));
    expect(lines).toContainEqual(expect.stringMatching(/^cpu\s+yes\s+pure JavaScript/));
    expect(lines).toContain('auto picks:  cpu');
    expect(lines).toContainEqual(expect.stringMatching(/^node:\s+v20\./));
  });

  it('a bad TINYBERT_THREADS stops a run with one line instead of silently falling back to cpu', (ctx) => {
    if (!line(report(), 'native addon').loads) ctx.skip();
    const out = join(mkdtempSync(join(tmpdir(), 'tb-doctor-')), 'm');
    const r = tinybert({ TINYBERT_THREADS: 'many' }, 'create', '--config', 'teachers/demo-nezha.json', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('tinybert: error: TINYBERT_THREADS must be a positive integer, got "many"\n');
    expect(report({ TINYBERT_THREADS: 'many' }).auto).toBe('none: runs stop at native addon (TINYBERT_THREADS must be a positive integer, got "many")');
  });
});
