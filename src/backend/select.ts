/**
 * Run-time backend choice: `tensorflow` (tfjs-node-gpu / tfjs-node, when the user installed them
 * and they load) → `native` (our addon, when it built) → `cpu` (always there). A caller or the
 * TINYBERT_BACKEND variable can force one; the choice is reported in one line on stderr. The probes
 * that decide it also feed `tinybert doctor`, so both say the same thing about an engine.
 */
import { createRequire } from 'node:module';
import { tf } from './tf.js';
import { BackendError, TinybertError } from '../errors.js';

export const BACKEND_NAMES = ['auto', 'tensorflow', 'native', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_NAMES)[number];

export interface BackendInfo {
  /** Registered tfjs backend name in use. */
  name: string;
  /** One human-readable line describing the engine. */
  description: string;
}

let active: BackendInfo | undefined;

const requireHere = createRequire(import.meta.url);

/** The TensorFlow engines `auto` tries first, fastest first; optional peer dependencies of tinybert. */
export const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/** Whether one engine loads here, and what it is or why it does not load (with the fix). */
export interface EngineProbe {
  /** The engine as installed: a package name, `native addon` or `cpu`. */
  engine: string;
  /** The tfjs backend it provides. */
  backend: Exclude<BackendChoice, 'auto'>;
  loads: boolean;
  detail: string;
  /** A user mistake that stops this engine (a bad TINYBERT_THREADS): a run throws it instead of falling back. */
  error?: TinybertError;
}

function packageVersion(pkg: string): string | undefined {
  try {
    return (requireHere(`${pkg}/package.json`) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * Loads tfjs-node-gpu or tfjs-node (registering the `tensorflow` backend) and says whether it
 * works. A package tinybert cannot resolve is "not installed"; one that resolves but throws
 * while loading is usually libtensorflow (or, for -gpu, CUDA / cuDNN) failing, and says so.
 */
export function probeTensorflow(pkg: (typeof TENSORFLOW_PACKAGES)[number]): EngineProbe {
  const probe = (loads: boolean, detail: string): EngineProbe => ({ engine: pkg, backend: 'tensorflow', loads, detail });
  const want = `${pkg}@${tf.version_core}`;
  try {
    requireHere.resolve(pkg);
  } catch {
    return probe(false, `not installed (optional; npm install ${want})`);
  }
  const version = packageVersion(pkg) ?? '?';
  try {
    requireHere(pkg);
  } catch (e) {
    const first = String((e as Error).message).split('\n')[0];
    return probe(false, `${pkg}@${version} is installed but libtensorflow failed to load: ${first}`);
  }
  if (tf.findBackend('tensorflow') == null && tf.findBackendFactory('tensorflow') == null) {
    // It registered its backend on its own copy of tfjs-core: versions differ.
    return probe(false, `${pkg}@${version} loaded but not on tinybert's @tensorflow/tfjs-core ${tf.version_core}; install ${want}`);
  }
  return probe(true, `${pkg}@${version}`);
}

/** Loads the native addon and registers `native`, or says why it cannot (not built, OpenBLAS missing…). */
export async function probeNative(): Promise<EngineProbe> {
  const probe = (loads: boolean, detail: string): EngineProbe => ({ engine: 'native addon', backend: 'native', loads, detail });
  let mod: typeof import('./native/index.js');
  try {
    mod = await import('./native/index.js');
  } catch (e) {
    return probe(false, `the native backend module failed to load: ${(e as Error).message.split('\n')[0]}`);
  }
  let description: string | undefined;
  try {
    description = mod.registerNativeBackend();
  } catch (e) {
    if (e instanceof TinybertError) return { ...probe(false, e.message), error: e };
    throw e;
  }
  if (description) return probe(true, description);
  return probe(false, explainAddonError(mod.addonLoadError() ?? 'addon did not load'));
}

/** The addon's load failure (native/addon.ts) with what to do about it. */
export function explainAddonError(why: string): string {
  const build = 'install a C++ compiler and libopenblas-dev, then run `npm rebuild tinybert` (or `npm run build:native` in a checkout)';
  if (/^addon not built/.test(why)) return `${why}; ${build}`;
  if (/openblas/i.test(why)) return `${why}; the OpenBLAS runtime library is missing: apt-get install libopenblas0 (or libopenblas-dev)`;
  return `${why}; rebuild it: ${build}`;
}

/** Every engine in the order `auto` tries them, each loaded if it can be. */
export async function probeEngines(): Promise<EngineProbe[]> {
  const tensorflow = TENSORFLOW_PACKAGES.map((pkg) => probeTensorflow(pkg));
  return [
    ...tensorflow,
    await probeNative(),
    { engine: 'cpu', backend: 'cpu', loads: true, detail: `pure JavaScript (@tensorflow/tfjs-backend-cpu ${tf.version_core}), slow for training` },
  ];
}

/** The engine `auto` picks: the first that loads, or the first that stops the run with a user mistake. */
export function autoPick(probes: EngineProbe[]): EngineProbe {
  return probes.find((p) => p.loads || p.error) ?? probes[probes.length - 1]!;
}

/**
 * Selects and initialises the backend. `choice` defaults to TINYBERT_BACKEND, then `auto`.
 * Idempotent: a second call with the same choice returns the active backend.
 */
export async function initBackend(
  choice?: string,
  opts: { quiet?: boolean; log?: (line: string) => void } = {},
): Promise<BackendInfo> {
  const want = (choice ?? process.env.TINYBERT_BACKEND ?? 'auto') as BackendChoice;
  if (!BACKEND_NAMES.includes(want)) {
    throw new BackendError(
      `unknown backend ${JSON.stringify(want)} (from ${choice ? '--backend' : 'TINYBERT_BACKEND'}); expected one of ${BACKEND_NAMES.join(', ')}`,
    );
  }
  if (active && (want === 'auto' || want === active.name)) return active;

  let info: BackendInfo | undefined;
  if (want === 'tensorflow' || want === 'auto') {
    const probes: EngineProbe[] = [];
    for (const pkg of TENSORFLOW_PACKAGES) {
      const p = probeTensorflow(pkg);
      probes.push(p);
      if (p.loads && (await tf.setBackend('tensorflow'))) {
        info = { name: 'tensorflow', description: `tensorflow (${p.detail})` };
        break;
      }
    }
    if (!info && want === 'tensorflow') {
      throw new BackendError(
        `backend "tensorflow" requested but no TensorFlow engine loads: ${probes.map((p) => `${p.engine}: ${p.detail}`).join('; ')}; or choose --backend native|cpu (tinybert doctor lists every engine)`,
      );
    }
  }
  if (!info && (want === 'native' || want === 'auto')) {
    const p = await probeNative();
    if (p.error) throw p.error;
    if (p.loads && (await tf.setBackend('native'))) info = { name: 'native', description: p.detail };
    else if (want === 'native') throw new BackendError(`backend "native" requested but ${p.detail}`);
  }
  if (!info) {
    await tf.setBackend('cpu');
    info = {
      name: 'cpu',
      description: 'cpu (pure JavaScript, slow for training; apt-get install libopenblas-dev g++ && npm run build:native for the fast path)',
    };
  }
  await tf.ready();
  active = info;
  if (!opts.quiet) (opts.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(`tinybert: backend ${info.description}`);
  return info;
}

/** The active backend, initialising the default one quietly if none was chosen yet. */
export async function ensureBackend(): Promise<BackendInfo> {
  return active ?? initBackend(undefined, { quiet: true });
}
