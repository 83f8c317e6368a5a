/**
 * Fuzz: whole model directories through loadModelDir (config + weights + vocab), one file of a
 * valid tiny model mutated per input. Each input loads or throws a TinybertError.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { loadModelDir, saveModelDir, type WeightFormat } from '../../src/checkpoint/model-dir.js';
import { parseModelConfig } from '../../src/model/config.js';
import { createModel } from '../../src/model/init.js';
import { TINY_CONFIG, writeVocab } from '../export/tiny.js';
import { fuzz, jsonEdited, mutated, Tally, utf8 } from './harness.js';

const root = mkdtempSync(join(tmpdir(), 'tinybert-fuzz-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FORMATS: WeightFormat[] = ['safetensors', 'pytorch', 'tfjs'];
/** Pristine files of each saved directory, restored before every input. */
const pristine = new Map<WeightFormat, Map<string, Uint8Array>>();

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  const vocab = writeVocab(join(root, 'vocab'));
  const model = createModel(parseModelConfig({ ...TINY_CONFIG, model_type: 'nezha', use_relative_position: true, max_relative_position: 4 }), 1);
  for (const format of FORMATS) {
    const dir = join(root, format);
    await saveModelDir(model, dir, { format, vocab });
    pristine.set(format, new Map(readdirSync(dir).map((f) => [f, Uint8Array.from(readFileSync(join(dir, f)))])));
  }
  model.dispose();
});

interface Case {
  format: WeightFormat;
  file: string;
  bytes: Uint8Array;
}

function restore(format: WeightFormat): string {
  const dir = join(root, format);
  for (const [f, bytes] of pristine.get(format)!) writeFileSync(join(dir, f), bytes);
  return dir;
}

describe('fuzz: model directories (loadModelDir)', () => {
  it('one mutated file (config, weights, model.json, shard) per input loads or throws a TinybertError', () => {
    const cases: fc.Arbitrary<Case> = fc.constantFrom(...FORMATS).chain((format) => {
      const files = pristine.get(format)!;
      const config = JSON.parse(new TextDecoder().decode(files.get('config.json')!)) as object;
      const weights = [...files.keys()].filter((f) => f !== 'config.json' && f !== 'tokenizer_config.json' && f !== 'vocab.txt');
      return fc.oneof(
        jsonEdited(config).map((c) => ({ format, file: 'config.json', bytes: utf8(JSON.stringify(c) ?? '') })),
        mutated(files.get('config.json')!).map((bytes) => ({ format, file: 'config.json', bytes })),
        fc.constantFrom(...weights).chain((file) => mutated(files.get(file)!).map((bytes) => ({ format, file, bytes }))),
      );
    });
    fuzz(new Tally('model directory'), cases, 400, ({ format, file, bytes }) => {
      const dir = restore(format);
      writeFileSync(join(dir, file), bytes);
      loadModelDir(dir).model.dispose();
    }, ({ format, file, bytes }) => `${format} ${file}: ${Buffer.from(bytes.subarray(0, 200)).toString('hex')}`);
  });
});
