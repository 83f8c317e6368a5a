/**
 * `tinybert report` on a real tiny run (every stage kind): the page names every stage and loss
 * term of the log, fetches nothing, renders in Chromium, and a run still in progress reports too.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { writeReport } from '../../src/report/index.js';
import type { ReportSummary } from '../../src/report/summary.js';
import { describeChromium, launchChromium, screenshotPath } from '../helpers/chromium.js';
import { expectUserError, tinybert } from '../helpers/cli.js';
import { tinyRecipe } from '../pipeline/tiny-run.js';

/** The only URLs an inline SVG carries: its namespace declarations, which nothing fetches. */
const SVG_NAMESPACES = ['xmlns="http://www.w3.org/2000/svg"', 'xmlns:xlink="http://www.w3.org/1999/xlink"'];

let run: string;
let log: Record<string, unknown>[];

beforeAll(async () => {
  const { dir, recipe } = tinyRecipe({ steps: 12, pretrain: true });
  await distill(loadRecipe(recipe), { quiet: true });
  run = join(dir, 'run');
  log = readFileSync(join(run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
});

function logTerms(stage: string): string[] {
  const keys = log.filter((r) => r.event === 'step' && r.stage === stage).flatMap((r) => Object.keys(r));
  return [...new Set(keys.filter((k) => k.startsWith('loss.')).map((k) => k.slice('loss.'.length)))];
}

describe('tinybert report on a finished run', () => {
  it('distill writes report.html, report.md and report.json at the end of the run', () => {
    for (const f of ['report.html', 'report.md', 'report.json']) expect(existsSync(join(run, f)), f).toBe(true);
    expect(log.some((r) => r.event === 'warning')).toBe(false);
  });

  it('names every stage and every loss term (top-level and per layer) of log.jsonl', () => {
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    const stages = ['pt', 'gd', 'ft', 'ti', 'tp'];
    for (const stage of stages) {
      expect(html).toContain(`id="stage-${stage}"`);
      const terms = logTerms(stage);
      expect(terms.length, stage).toBeGreaterThan(0);
      for (const term of terms) expect(html, `${stage}: ${term}`).toContain(term);
    }
    // gd logs per-layer terms: they are drawn (in the closed "loss per layer" block).
    expect(logTerms('gd')).toEqual(expect.arrayContaining(['attention.layer0', 'hidden.state1']));
    expect(html).toContain('<details><summary>loss per layer</summary>');
  });

  it('links nothing outside the file: no http(s) URL but the SVG namespaces, no script, no stylesheet link', () => {
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    expect(html).toContain(SVG_NAMESPACES[0]);
    const rest = SVG_NAMESPACES.reduce((s, ns) => s.split(ns).join(''), html);
    expect(rest.match(/https?:\/\/\S{0,60}/gi) ?? []).toEqual([]);
    expect(rest).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
  });

  it('marks the kept checkpoint on the dev chart and puts teacher and student side by side', () => {
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    const summary = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')) as ReportSummary;
    const ft = summary.stages.find((s) => s.name === 'ft')!;
    expect(ft.best).toBeDefined();
    expect(html).toContain(`kept: ${ft.best!.metric} ${ft.best!.value.toFixed(4)} @ step ${ft.best!.step}`);
    expect(summary.inProgress).toBe(false);
    expect(summary.models.map((m) => [m.slot, m.role])).toEqual([['teacher', 'teacher'], ['student', 'student']]);
    for (const m of summary.models) {
      expect(m.metrics?.accuracy).toBeGreaterThanOrEqual(0);
      expect(m.latency!.batch1Ms).toBeGreaterThan(0);
      expect(m.latency!.batch32Ms).toBeGreaterThan(0);
      expect(m.latency!.seqLength).toBe(32);
    }
    const [teacher, student] = summary.models;
    expect(student!.params).toBeLessThan(teacher!.params);
    expect(student!.speedUp).toBeCloseTo(teacher!.latency!.batch32Ms / student!.latency!.batch32Ms, 6);
    const md = readFileSync(join(run, 'report.md'), 'utf8');
    expect(md).toMatch(/^\| teacher \| teacher \| ft\/best \|/m);
    expect(md).toMatch(/^\| student \| student \| tp\/best \|/m);
  });
});

describe('tinybert report on a run in progress', () => {
  it('reports a run whose log stops mid-stage (half-written last line) and whose last stages have no done.json', async () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'tb-report-')), 'run');
    cpSync(run, copy, { recursive: true });
    rmSync(join(copy, 'ti', 'done.json'));
    rmSync(join(copy, 'tp', 'done.json'));
    rmSync(join(copy, 'summary.json'));
    const lines = readFileSync(join(copy, 'log.jsonl'), 'utf8').trim().split('\n');
    const firstTi = lines.findIndex((l) => l.includes('"event":"step"') && l.includes('"stage":"ti"'));
    writeFileSync(join(copy, 'log.jsonl'), `${lines.slice(0, firstTi + 1).join('\n')}\n${lines[firstTi + 1]!.slice(0, 25)}`);

    const r = await writeReport(copy, { latency: false });
    expect(r.html).toBe(join(copy, 'report.html'));
    expect(r.summary.inProgress).toBe(true);
    expect(r.summary.stages.map((s) => [s.name, s.done])).toEqual([['pt', true], ['gd', true], ['ft', true], ['ti', false], ['tp', false]]);
    expect(r.summary.stages.find((s) => s.name === 'ti')!.step).toBe(10);
    expect(r.summary.stages.find((s) => s.name === 'tp')!.step).toBeUndefined();
    // Each slot's latest finished stage: the student has only its general distillation so far.
    expect(r.summary.models.map((m) => [m.slot, m.dir, m.metricSource])).toEqual([['teacher', 'ft/best', 'ft'], ['student', 'gd/final', undefined]]);
    expect(r.summary.models.every((m) => m.latency === undefined)).toBe(true);
    const html = readFileSync(r.html, 'utf8');
    expect(html).toContain('in progress');
    expect(html).toContain('1 log line(s) could not be read');
    expect(html).toContain('id="stage-tp"');
  });

  it('reports a run that has only started (recipe.yaml, no log yet)', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'tb-report-'));
    cpSync(join(run, 'recipe.yaml'), join(fresh, 'recipe.yaml'));
    const r = await writeReport(fresh, { latency: false });
    expect(r.summary.inProgress).toBe(true);
    expect(r.summary.models).toEqual([]);
    expect(readFileSync(r.html, 'utf8')).toContain('No stage has finished yet.');
  });
});

describe('tinybert report (command line)', () => {
  it('writes --out and its .md and .json beside it', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tb-report-')), 'tiny.html');
    const r = tinybert('report', run, '--out', out, '--no-latency');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(out);
    for (const f of [out, out.replace(/\.html$/, '.md'), out.replace(/\.html$/, '.json')]) expect(existsSync(f), f).toBe(true);
  });

  it('refuses --out that would replace the run\'s own summary.json, and an --out that is not .html', () => {
    const summary = readFileSync(join(run, 'summary.json'), 'utf8');
    expectUserError(tinybert('report', run, '--out', join(run, 'summary.html'), '--no-latency'), /--out .*summary\.html: would replace the run's summary\.json; choose another name/);
    expect(readFileSync(join(run, 'summary.json'), 'utf8')).toBe(summary);
    expectUserError(tinybert('report', run, '--out', join(run, 'log.jsonl')), /--out .*log\.jsonl: expected an \.html file/);
  });

  it('refuses a folder that is not a run folder, naming it', () => {
    const empty = mkdtempSync(join(tmpdir(), 'tb-report-'));
    expectUserError(tinybert('report', empty), new RegExp(`${empty}: not a run folder \\(no recipe\\.yaml\\)`));
  });
});

describeChromium('the report in headless Chromium', () => {
  it('renders every chart with no console error and no request beyond the file itself; screenshot', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(join(run, 'report.html')).href;
      await page.goto(url);
      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
      // Timeline + per stage: loss, lr, throughput; dev charts for ft and tp; per-layer for gd and ti.
      const svgs = await page.locator('svg.marks').count();
      expect(svgs).toBe(1 + 5 * 3 + 2 + 2);
      const box = await page.locator('svg.marks').first().boundingBox();
      expect(box!.width).toBeGreaterThan(100);
      await page.screenshot({ path: screenshotPath('report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
