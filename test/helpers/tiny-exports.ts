/**
 * Tiny random model directories over the vocabulary of test/export/tiny.ts, exported as tfjs and
 * served over HTTP: what the browser loader's tests (test/browser/records.test.ts,
 * span-records.test.ts) load, next to the model directories `tinybert predict` reads.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/select.js';
import { createModelDir } from '../../src/checkpoint/create.js';
import { exportModel } from '../../src/checkpoint/export.js';
import { writeVocab } from '../export/tiny.js';
import { serveDir, type StaticServer } from './static-server.js';

export interface TinyExports extends StaticServer {
  /** The temp folder: model directory NAME for each config, its export at site/NAME (served at /NAME/). */
  tmp: string;
}

/** For each named config: tmp/NAME (seed 11) and its tfjs export tmp/site/NAME; serves tmp/site. Runs on the cpu backend. */
export async function serveTinyExports(prefix: string, configs: Record<string, object>): Promise<TinyExports> {
  await initBackend('cpu', { quiet: true });
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const vocab = writeVocab(join(tmp, 'vocab'));
  for (const [name, config] of Object.entries(configs)) {
    writeFileSync(join(tmp, `${name}.json`), JSON.stringify(config));
    await createModelDir({ config: join(tmp, `${name}.json`), out: join(tmp, name), vocab, seed: 11 });
    await exportModel(join(tmp, name), { out: join(tmp, 'site', name), format: 'tfjs' });
  }
  return { tmp, ...(await serveDir(join(tmp, 'site'))) };
}
