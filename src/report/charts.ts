/**
 * The report's charts: Vega-Lite specs over a run's log, rendered to SVG in Node by vega's
 * headless view (no browser, no canvas, no script in the output). Each function returns a spec,
 * or undefined when the stage logged nothing for it; `renderSvg` draws one.
 */
import type { TopLevelSpec } from 'vega-lite';
import { termNames, weightedTotal, type RunData, type StageData } from './run-data.js';

const WIDTH = 440;
const HEIGHT = 170;
const TOTAL = 'total (weighted)';

const base = {
  width: WIDTH,
  height: HEIGHT,
  config: { font: 'sans-serif', view: { stroke: '#ddd' }, axis: { labelFontSize: 11, titleFontSize: 11 }, legend: { labelFontSize: 11, titleFontSize: 11 } },
} as const;

/**
 * Draws `spec` as a standalone SVG element (its only URLs are the SVG xmlns attributes). vega and
 * vega-lite load on first use: they take half a second, which no other command should pay.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

type Row = Record<string, number | string>;

function lines(rows: Row[], y: string, title: string, opts: { color?: string; log?: boolean } = {}): TopLevelSpec {
  return {
    ...base,
    title,
    data: { values: rows },
    mark: { type: 'line', point: rows.length < 60 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: y, type: 'quantitative', title: y, scale: opts.log ? { type: 'log' } : { zero: false } },
      ...(opts.color ? { color: { field: opts.color, type: 'nominal', title: null } } : {}),
    },
  } as TopLevelSpec;
}

/** A log axis when every value is positive and they span more than a factor of 20. */
function wantsLog(values: number[]): boolean {
  return values.length > 0 && values.every((v) => v > 0) && Math.max(...values) / Math.min(...values) > 20;
}

/** The weighted total and each top-level term over steps (unweighted, as logged). */
export function lossChart(stage: StageData): TopLevelSpec | undefined {
  const { top } = termNames(stage);
  const rows: Row[] = stage.steps.flatMap((p) => {
    const total = weightedTotal(stage, p);
    const terms = top.filter((k) => p.terms[k] !== undefined).map((k) => ({ step: p.step, term: k, value: p.terms[k]! }));
    // A single term equals the total when its weight is 1: draw it once.
    return total !== undefined && !(top.length === 1 && stage.weights[top[0]!] === 1) ? [{ step: p.step, term: TOTAL, value: total }, ...terms] : terms;
  });
  if (!rows.length) return undefined;
  return lines(rows, 'value', `${stage.name}: loss terms (unweighted) and total`, { color: 'term', log: wantsLog(rows.map((r) => r.value as number)) });
}

/** Each per-layer term (`attention.layer0`, `hidden.state1`) over steps. */
export function layerChart(stage: StageData): TopLevelSpec | undefined {
  const { layers } = termNames(stage);
  const rows: Row[] = stage.steps.flatMap((p) => layers.filter((k) => p.terms[k] !== undefined).map((k) => ({ step: p.step, term: k, value: p.terms[k]! })));
  if (!rows.length) return undefined;
  return lines(rows, 'value', `${stage.name}: loss per layer`, { color: 'term', log: wantsLog(rows.map((r) => r.value as number)) });
}

export function lrChart(stage: StageData): TopLevelSpec | undefined {
  const rows: Row[] = stage.steps.filter((p) => p.lr !== undefined).map((p) => ({ step: p.step, 'learning rate': p.lr! }));
  return rows.length ? lines(rows, 'learning rate', `${stage.name}: learning rate`) : undefined;
}

export function throughputChart(stage: StageData): TopLevelSpec | undefined {
  const rows: Row[] = stage.steps.filter((p) => p.examplesPerSecond !== undefined).map((p) => ({ step: p.step, 'examples/s': p.examplesPerSecond! }));
  return rows.length ? lines(rows, 'examples/s', `${stage.name}: throughput`) : undefined;
}

/** Dev metrics over steps; the kept (best) checkpoint is a rule and a labelled point. */
export function evalChart(stage: StageData): TopLevelSpec | undefined {
  const rows: Row[] = stage.evals.flatMap((e) => Object.entries(e.metrics).filter(([k]) => k !== 'examples').map(([metric, value]) => ({ step: e.step, metric, value })));
  if (!rows.length) return undefined;
  const best = stage.best;
  const layers: unknown[] = [
    {
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'value', type: 'quantitative', title: 'dev metric', scale: { zero: false } },
        color: { field: 'metric', type: 'nominal', title: null },
      },
    },
  ];
  if (best) {
    const kept = [{ step: best.step, value: best.value, label: `kept: ${best.metric} ${best.value.toFixed(4)} @ step ${best.step}` }];
    layers.push(
      { data: { values: kept }, mark: { type: 'rule', strokeDash: [4, 3], color: '#444' }, encoding: { x: { field: 'step', type: 'quantitative' } } },
      { data: { values: kept }, mark: { type: 'point', shape: 'diamond', size: 160, filled: true, color: '#d62728' }, encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'value', type: 'quantitative' } } },
      { data: { values: kept }, mark: { type: 'text', align: 'left', dx: 6, dy: -10, fontSize: 11 }, encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'value', type: 'quantitative' }, text: { field: 'label' } } },
    );
  }
  return { ...base, title: `${stage.name}: dev metrics`, data: { values: rows }, layer: layers } as TopLevelSpec;
}

/** One bar per stage from its first to its last log record; a running stage is marked. */
export function timelineChart(run: RunData): TopLevelSpec | undefined {
  const rows: Row[] = run.stages
    .filter((s) => s.started && s.ended)
    .map((s) => ({ stage: s.name, start: s.started!, end: s.ended!, state: s.done ? 'done' : 'running' }));
  if (!rows.length) return undefined;
  return {
    ...base,
    height: Math.max(40, 28 * rows.length),
    title: 'stage timeline',
    data: { values: rows },
    mark: { type: 'bar', cornerRadius: 2 },
    encoding: {
      y: { field: 'stage', type: 'nominal', sort: null, title: null },
      x: { field: 'start', type: 'temporal', title: 'time' },
      x2: { field: 'end' },
      color: { field: 'state', type: 'nominal', title: null, scale: { domain: ['done', 'running'], range: ['#4c78a8', '#f58518'] } },
    },
  } as TopLevelSpec;
}
