/**
 * `tinybert doctor`: which compute engines load on this machine and why the others do not, which
 * one `auto` picks, and the thread count. Runs the same probes as backend selection (select.ts),
 * so the report and a run never disagree.
 */
import { availableParallelism, arch, platform } from 'node:os';
import { autoPick, probeEngines, BACKEND_NAMES, type BackendChoice, type EngineProbe } from './select.js';
import { TinybertError } from '../errors.js';
import { threadCount } from './native/register.js';
import { tf } from './tf.js';

export interface DoctorReport {
  /** Every engine in the order `auto` tries them. */
  engines: EngineProbe[];
  /** The engine `auto` picks (or why runs stop). */
  auto: string;
  /** A backend forced by --backend or TINYBERT_BACKEND instead of auto, and by which. */
  forced?: { backend: BackendChoice; by: string };
  /** Threads the native backend uses (TINYBERT_THREADS, else the number of cores). */
  threads: number;
  threadsFrom: string;
  node: string;
  platform: string;
  tfjsCore: string;
}

/** Probes every engine (loading each one that can load) and describes the machine. */
export async function doctor(opts: { backend?: string } = {}): Promise<DoctorReport> {
  const probes = await probeEngines();
  const pick = autoPick(probes);
  const engines = probes.map(({ error: _, ...e }) => e);
  let threads = availableParallelism();
  let threadsFrom = process.env.TINYBERT_THREADS === undefined ? `${threads} cores` : 'TINYBERT_THREADS';
  try {
    threads = threadCount();
  } catch (e) {
    if (!(e instanceof TinybertError)) throw e;
    threadsFrom = `${e.message}; runs on native stop with this error`;
  }
  const want = opts.backend ?? process.env.TINYBERT_BACKEND;
  const forced =
    want !== undefined && want !== 'auto' && (BACKEND_NAMES as readonly string[]).includes(want)
      ? { backend: want as BackendChoice, by: opts.backend !== undefined ? '--backend' : 'TINYBERT_BACKEND' }
      : undefined;
  return {
    engines,
    auto: pick.error ? `none: runs stop at ${pick.engine} (${pick.error.message})` : pick.engine,
    ...(forced ? { forced } : {}),
    threads,
    threadsFrom,
    node: process.version,
    platform: `${platform()} ${arch()}`,
    tfjsCore: tf.version_core,
  };
}

/** The report as an aligned table and a few `key: value` lines. */
export function formatDoctor(r: DoctorReport): string {
  const width = Math.max(...r.engines.map((e) => e.engine.length), 'engine'.length);
  const rows = r.engines.map((e) => `${e.engine.padEnd(width)}  ${(e.loads ? 'yes' : 'no').padEnd(5)}  ${e.detail}`);
  const lines = [
    `${'engine'.padEnd(width)}  loads  detail`,
    ...rows,
    '',
    `auto picks:  ${r.auto}`,
    ...(r.forced ? [`forced:      ${r.forced.backend} (by ${r.forced.by})`] : []),
    `threads:     ${r.threads} (${r.threadsFrom})`,
    `node:        ${r.node} (${r.platform})`,
    `tfjs-core:   ${r.tfjsCore}`,
  ];
  return `${lines.join('\n')}\n`;
}
