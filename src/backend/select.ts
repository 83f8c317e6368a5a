/**
 * Run-time backend choice: `tensorflow` (tfjs-node-gpu / tfjs-node, when the user installed them
 * and they load) → `native` (our addon, when it built) → `cpu` (always there). A caller or the
 * TINYBERT_BACKEND variable can force one; the choice is reported in one line on stderr.
 */
import { createRequire } from 'node:module';
import { tf } from './tf.js';
import { BackendError } from '../errors.js';

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

/** Loads tfjs-node-gpu or tfjs-node if installed; returns the package used or undefined. */
function tryTensorflow(): string | undefined {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      requireHere(pkg);
      if (tf.findBackend('tensorflow') != null || tf.findBackendFactory('tensorflow') != null) return pkg;
    } catch {
      // not installed, or libtensorflow missing: fall through to the next engine
    }
  }
  return undefined;
}

/** Loads the native addon backend if it was built; returns a description or undefined. */
async function tryNative(): Promise<string | undefined> {
  try {
    const mod = await import('./native/index.js');
    return mod.registerNativeBackend();
  } catch {
    return undefined;
  }
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
    const pkg = tryTensorflow();
    if (pkg && (await tf.setBackend('tensorflow'))) info = { name: 'tensorflow', description: `tensorflow (${pkg})` };
    else if (want === 'tensorflow') {
      throw new BackendError(
        'backend "tensorflow" requested but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node loads; install one (npm install @tensorflow/tfjs-node) or choose --backend native|cpu',
      );
    }
  }
  if (!info && (want === 'native' || want === 'auto')) {
    const desc = await tryNative();
    if (desc && (await tf.setBackend('native'))) info = { name: 'native', description: desc };
    else if (want === 'native') {
      throw new BackendError(
        'backend "native" requested but the native addon is not built; install a C++ compiler and libopenblas-dev, then run `npm rebuild tinybert` (or `npm run build:native`)',
      );
    }
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
