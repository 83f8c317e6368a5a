/**
 * The report as one self-contained HTML page: inline CSS, charts as inline SVG, no script and no
 * external resource, so it opens offline and from an e-mail attachment alike. Per-layer curves and
 * the resolved recipe sit in <details> blocks, closed by default.
 */
import { modelTable, stageTable, type ReportSummary } from './summary.js';
import type { RunData } from './run-data.js';

/** Rendered charts of one stage; each may be absent when the stage logged nothing for it. */
export interface StageCharts {
  loss?: string;
  layers?: string;
  lr?: string;
  throughput?: string;
  evals?: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1150px; padding: 0 16px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; } h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; }
th { background: #f4f4f4; } td:nth-child(-n+3), th:nth-child(-n+3) { text-align: left; }
.status { display: inline-block; padding: 2px 8px; border-radius: 10px; font-weight: 600; }
.running { background: #fde6cc; color: #8a4b00; } .finished { background: #d9ead3; color: #274e13; }
.charts { display: flex; flex-wrap: wrap; gap: 8px; } .charts svg { max-width: 100%; height: auto; }
.warn { color: #8a4b00; } pre { background: #f7f7f7; padding: 12px; overflow: auto; font-size: 12px; }
details { margin: 8px 0; } summary { cursor: pointer; color: #1f4e79; }
`;

function table(t: { header: string[]; rows: string[][] }): string {
  const head = `<tr>${t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n${head}\n${body}\n</table>`;
}

function stageSection(run: RunData, index: number, charts: StageCharts): string {
  const s = run.stages[index]!;
  const state = s.done ? 'done' : s.steps.length ? 'running' : 'not started';
  const parts = [`<h3 id="stage-${escapeHtml(s.name)}">${escapeHtml(s.name)} <small>(${escapeHtml(s.kind)}, ${state})</small></h3>`];
  const shown = [charts.loss, charts.evals, charts.lr, charts.throughput].filter((c): c is string => c !== undefined);
  parts.push(shown.length ? `<div class="charts">${shown.join('\n')}</div>` : '<p>No step logged yet.</p>');
  if (charts.layers) parts.push(`<details><summary>loss per layer</summary><div class="charts">${charts.layers}</div></details>`);
  if (s.best) parts.push(`<p>Kept checkpoint: ${escapeHtml(s.best.metric)} ${s.best.value.toFixed(4)} at step ${s.best.step}.</p>`);
  if (s.warnings.length) parts.push(`<ul class="warn">${s.warnings.map((w) => `<li>warning: ${escapeHtml(w)}</li>`).join('')}</ul>`);
  if (s.notes.length) parts.push(`<details><summary>notes (${s.notes.length})</summary><ul>${s.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></details>`);
  return parts.join('\n');
}

export function toHtml(run: RunData, summary: ReportSummary, charts: { timeline?: string; stages: StageCharts[] }): string {
  const status = run.inProgress ? '<span class="status running">in progress</span>' : '<span class="status finished">finished</span>';
  const latency = summary.models.find((m) => m.latency)?.latency;
  const body = [
    `<h1>tinybert run report: ${escapeHtml(run.name)} ${status}</h1>`,
    `<p>Folder <code>${escapeHtml(run.dir)}</code>${run.backend ? `; trained on <code>${escapeHtml(run.backend)}</code>` : ''}${run.started ? `; started ${escapeHtml(run.started)}` : ''}${run.ended ? `; ended ${escapeHtml(run.ended)}` : ''}.${run.unreadLines ? ` ${run.unreadLines} log line(s) could not be read (a line still being written, most often).` : ''}</p>`,
    '<h2>Stages</h2>',
    charts.timeline ?? '<p>No stage has logged yet.</p>',
    table(stageTable(summary)),
    '<h2>Teacher and student</h2>',
    summary.models.length ? table(modelTable(summary)) : '<p>No stage has finished yet.</p>',
    latency ? `<p>Latency: eval-mode forward pass on <code>${escapeHtml(latency.backend)}</code>, timed when this report was written.</p>` : '',
    ...run.stages.map((_, i) => stageSection(run, i, charts.stages[i] ?? {})),
    run.warnings.length ? `<h2>Warnings</h2><ul class="warn">${run.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : '',
    `<h2>Recipe</h2><details><summary>resolved recipe (recipe.yaml)</summary><pre>${escapeHtml(run.recipeYaml)}</pre></details>`,
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tinybert report: ${escapeHtml(run.name)}</title>
<style>${CSS}</style>
</head>
<body>
${body.filter(Boolean).join('\n')}
</body>
</html>
`;
}
