/**
 * The study as one self-contained HTML page (no script, no external URL): a grouped bar chart of
 * every row's dev metric per task (Vega-Lite rendered to SVG in Node, as the run report draws its
 * charts) and the Markdown tables of study.md as HTML tables.
 */
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../../src/report/charts.js';
import { escapeHtml } from '../../src/report/html.js';
import { STUDY_ROWS, type TaskResult } from './table.js';

/** The bars: one group per task, one bar per study row that has the task's metric. */
export function metricChart(results: TaskResult[]): TopLevelSpec {
  const values = results.flatMap((r) =>
    STUDY_ROWS.flatMap((row) => {
      const v = r.models[row.slot]?.metrics?.[r.task.metric];
      return v === undefined ? [] : [{ task: `${r.task.name} (${r.task.metric})`, row: row.label, value: 100 * v }];
    }),
  );
  return {
    title: 'dev metric × 100 per task and study row',
    data: { values },
    mark: 'bar',
    encoding: {
      column: { field: 'task', type: 'nominal', title: null },
      x: { field: 'row', type: 'nominal', title: null, sort: STUDY_ROWS.map((r) => r.label), axis: { labels: false, ticks: false } },
      y: { field: 'value', type: 'quantitative', title: 'dev metric × 100' },
      color: { field: 'row', type: 'nominal', title: null, sort: STUDY_ROWS.map((r) => r.label) },
    },
    width: 150,
    height: 200,
    config: { font: 'sans-serif', legend: { orient: 'bottom', columns: 2, labelLimit: 320 } },
  } as TopLevelSpec;
}

/** Markdown (headings, paragraphs, list items, pipe tables) to HTML: only what study.md uses. */
export function markdownToHtml(md: string): string {
  const out: string[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('|')) {
      const rows: string[][] = [];
      for (; i < lines.length && lines[i]!.startsWith('|'); i++) rows.push(lines[i]!.slice(1, -1).split('|').map((c) => c.trim()));
      i--;
      const [head, , ...body] = rows;
      out.push(`<table>\n<tr>${head!.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>\n${body.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n')}\n</table>`);
    } else if (line.startsWith('## ')) out.push(`<h2>${escapeHtml(line.slice(3))}</h2>`);
    else if (line.startsWith('- ')) out.push(`<li>${escapeHtml(line.slice(2))}</li>`);
    else if (line.trim()) out.push(`<p>${escapeHtml(line)}</p>`);
  }
  return out.join('\n');
}

export async function studyHtml(results: TaskResult[], md: string): Promise<string> {
  const chart = results.length ? await renderSvg(metricChart(results)) : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tinybert study</title>
<style>body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1150px; padding: 0 16px; color: #222; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; } svg { max-width: 100%; height: auto; }</style>
</head><body>
<h1>tinybert study: what each stage of TinyBERT's distillation is worth</h1>
${chart}
${markdownToHtml(md)}
</body></html>
`;
}
