/**
 * The report's numbers without the charts: one JSON document (for scripts and the study) and the
 * same content as Markdown (for a pull request, an issue or a terminal).
 */
import { speedUp, type ModelRow } from './models.js';
import { termNames, type RunData, type StageData } from './run-data.js';

export interface StageSummary {
  name: string;
  kind: string;
  done: boolean;
  /** Last logged step, and the steps the recipe asks for. */
  step?: number;
  totalSteps?: number;
  seconds?: number;
  /** Loss terms at the last logged step. */
  lastTerms?: Record<string, number>;
  terms: string[];
  best?: StageData['best'];
  scores?: Record<string, number>;
  warnings: string[];
}

export interface ReportSummary {
  name: string;
  dir: string;
  inProgress: boolean;
  backend?: string;
  started?: string;
  ended?: string;
  stages: StageSummary[];
  models: (ModelRow & { speedUp?: number })[];
  warnings: string[];
}

export function summarize(run: RunData, models: ModelRow[]): ReportSummary {
  return {
    name: run.name,
    dir: run.dir,
    inProgress: run.inProgress,
    backend: run.backend,
    started: run.started,
    ended: run.ended,
    stages: run.stages.map((s) => {
      const last = s.steps.at(-1);
      const { top, layers } = termNames(s);
      return {
        name: s.name,
        kind: s.kind,
        done: s.done,
        step: last?.step,
        totalSteps: s.totalSteps,
        seconds: s.seconds,
        lastTerms: last?.terms,
        terms: [...top, ...layers],
        best: s.best,
        scores: s.scores,
        warnings: s.warnings,
      };
    }),
    models: models.map((m) => ({ ...m, speedUp: speedUp(models, m) })),
    warnings: run.warnings,
  };
}

export const fmt = {
  num: (x: number | undefined, digits = 4) => (x === undefined ? '-' : Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(digits)),
  int: (x: number) => x.toLocaleString('en-US'),
  mib: (bytes: number) => `${(bytes / 1048576).toFixed(2)} MiB`,
  ms: (x: number | undefined) => (x === undefined ? '-' : `${x.toFixed(x < 10 ? 2 : 1)} ms`),
  times: (x: number | undefined) => (x === undefined ? '-' : `${x.toFixed(2)}×`),
};

/** Column headers and cells of the teacher-vs-student table (shared by HTML and Markdown). */
export function modelTable(s: ReportSummary): { header: string[]; rows: string[][] } {
  const metrics = [...new Set(s.models.flatMap((m) => Object.keys(m.metrics ?? {})))];
  const T = s.models.find((m) => m.latency)?.latency?.seqLength;
  const header = ['model', 'role', 'folder', ...metrics.map((k) => `dev ${k}`), 'parameters', 'weights on disk', `latency B=1${T ? `, T=${T}` : ''}`, `latency B=32${T ? `, T=${T}` : ''}`, 'speed-up (B=32)'];
  const rows = s.models.map((m) => [
    m.slot,
    m.role,
    m.dir,
    ...metrics.map((k) => fmt.num(m.metrics?.[k])),
    fmt.int(m.params),
    fmt.mib(m.bytesOnDisk),
    fmt.ms(m.latency?.batch1Ms),
    fmt.ms(m.latency?.batch32Ms),
    m.role === 'teacher' ? '1×' : fmt.times(m.speedUp),
  ]);
  return { header, rows };
}

export function stageTable(s: ReportSummary): { header: string[]; rows: string[][] } {
  const header = ['stage', 'kind', 'state', 'step', 'seconds', 'last loss terms', 'kept checkpoint', 'warnings'];
  const rows = s.stages.map((st) => [
    st.name,
    st.kind,
    st.done ? 'done' : st.step !== undefined ? 'running' : 'not started',
    st.step === undefined ? '-' : `${st.step}${st.totalSteps ? `/${st.totalSteps}` : ''}`,
    st.seconds === undefined ? '-' : st.seconds.toFixed(1),
    Object.entries(st.lastTerms ?? {})
      .filter(([k]) => !k.includes('.'))
      .map(([k, v]) => `${k} ${fmt.num(v)}`)
      .join(', ') || '-',
    st.best ? `${st.best.metric} ${fmt.num(st.best.value)} @ ${st.best.step}` : '-',
    String(st.warnings.length),
  ]);
  return { header, rows };
}

function mdTable(t: { header: string[]; rows: string[][] }): string {
  const cell = (c: string) => c.replace(/\|/g, '\\|');
  return [t.header, t.header.map(() => '---'), ...t.rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');
}

export function toMarkdown(s: ReportSummary): string {
  const out = [
    `# tinybert run report: ${s.name}`,
    '',
    `${s.inProgress ? '**In progress** (or stopped before the end).' : 'Finished.'} Folder \`${s.dir}\`${s.backend ? `, trained on \`${s.backend}\`` : ''}${s.started ? `, started ${s.started}` : ''}${s.ended ? `, ended ${s.ended}` : ''}.`,
    '',
    '## Stages',
    '',
    mdTable(stageTable(s)),
    '',
    '## Teacher and student',
    '',
    s.models.length ? mdTable(modelTable(s)) : 'No stage has finished yet.',
  ];
  if (s.models.some((m) => m.latency)) out.push('', `Latency: eval-mode forward pass on \`${s.models.find((m) => m.latency)!.latency!.backend}\`, timed when this report was written.`);
  const warnings = [...s.warnings, ...s.stages.flatMap((st) => st.warnings.map((w) => `${st.name}: ${w}`))];
  if (warnings.length) out.push('', '## Warnings', '', ...warnings.map((w) => `- ${w}`));
  return `${out.join('\n')}\n`;
}
