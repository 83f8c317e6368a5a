/** The backends a test can run on here: always `cpu`, plus `native` when the addon is built. */
import { initBackend } from '../../src/backend/select.js';
import { tf } from '../../src/backend/tf.js';

let cached: string[] | undefined;

export async function availableBackends(): Promise<string[]> {
  if (cached) return cached;
  const names = ['cpu'];
  try {
    await initBackend('native', { quiet: true });
    names.push('native');
  } catch {
    process.stderr.write('note: native backend not built; tests run on cpu only\n');
  }
  await initBackend('cpu', { quiet: true });
  cached = names;
  return names;
}

export async function useBackend(name: string): Promise<void> {
  await initBackend(name, { quiet: true });
  await tf.setBackend(name);
}
