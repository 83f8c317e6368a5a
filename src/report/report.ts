/**
 * `writeReport(runDir)`: what `tinybert report` and the end of `distill` call. Reads the run folder
 * (finished or still running), times its models and writes three files atomically:
 *
 *   report.html   self-contained page: charts (inline SVG), tables, warnings, resolved recipe
 *   report.md     the tables as Markdown
 *   report.json   the same numbers for scripts
 *
 * The Markdown and JSON files sit beside the HTML file and share its name (`x.html` → `x.md`);
 * RUN_FILES names the defaults, so `--overwrite` clears them with the rest of the run.
 */
import { basename, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { RUN_FILES } from '../recipe/run-files.js';
import { writeTextAtomic } from '../util/fs.js';
import { evalChart, layerChart, lossChart, lrChart, renderSvg, throughputChart, timelineChart } from './charts.js';
import { toHtml, type StageCharts } from './html.js';
import { modelRows } from './models.js';
import { readRun } from './run-data.js';
import { summarize, toMarkdown, type ReportSummary } from './summary.js';

export interface ReportOptions {
  /** The HTML file (default RUN_DIR/report.html). */
  out?: string;
  /** Time each model at batch 1 and 32 on the current engine (default true). */
  latency?: boolean;
}

export interface ReportResult {
  html: string;
  markdown: string;
  json: string;
  summary: ReportSummary;
}

export async function writeReport(runDir: string, opts: ReportOptions = {}): Promise<ReportResult> {
  reportPaths(runDir, opts.out); // a bad --out fails before anything is timed
  const run = readRun(runDir);
  const models = modelRows(run, { timeLatency: opts.latency ?? true });
  const summary = summarize(run, models);
  const draw = async (spec: Parameters<typeof renderSvg>[0] | undefined) => (spec ? renderSvg(spec) : undefined);
  const stages: StageCharts[] = [];
  for (const s of run.stages) {
    stages.push({
      loss: await draw(lossChart(s)),
      layers: await draw(layerChart(s)),
      lr: await draw(lrChart(s)),
      throughput: await draw(throughputChart(s)),
      evals: await draw(evalChart(s)),
    });
  }
  const { html, markdown, json } = reportPaths(runDir, opts.out);
  writeTextAtomic(html, toHtml(run, summary, { timeline: await draw(timelineChart(run)), stages }));
  writeTextAtomic(markdown, toMarkdown(summary));
  writeTextAtomic(json, `${JSON.stringify(summary, null, 2)}\n`);
  return { html, markdown, json, summary };
}

/**
 * The three files: `--out` must name an .html file, and its .md / .json siblings may not be files
 * the run itself keeps (`--out RUN/summary.html` would replace the run's summary.json).
 */
function reportPaths(runDir: string, out?: string): { html: string; markdown: string; json: string } {
  if (out === undefined) return { html: join(runDir, RUN_FILES.report), markdown: join(runDir, RUN_FILES.reportMarkdown), json: join(runDir, RUN_FILES.reportJson) };
  if (!/\.html?$/i.test(out)) throw new UsageError(`--out ${out}: expected an .html file (the .md and .json summaries are written beside it under its name)`);
  const stem = out.replace(/\.html?$/i, '');
  const paths = { html: out, markdown: `${stem}.md`, json: `${stem}.json` };
  const kept = [RUN_FILES.recipe, RUN_FILES.log, RUN_FILES.run, RUN_FILES.summary].map((f) => resolve(runDir, f));
  const clash = Object.values(paths).find((p) => kept.includes(resolve(p)));
  if (clash) throw new UsageError(`--out ${out}: would replace the run's ${basename(clash)}; choose another name`);
  return paths;
}
