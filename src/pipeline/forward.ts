/**
 * `tinybert forward`: eval-mode forward of a model directory on a JSON batch, written in the layout
 * of the reference PyTorch dumps (see src/model/batch-json.ts).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { loadModelDir } from '../checkpoint/model-dir.js';
import { UsageError } from '../errors.js';
import { checkBatchIds, forwardRecord, readBatchJson, recordToJson, type TensorJson } from '../model/batch-json.js';
import { writeTextAtomic } from '../util/fs.js';

/** `tinybert forward`: loads a model directory, runs the JSON batch, writes the record atomically. */
export async function forwardFile(dir: string, inputs: string, out: string): Promise<Record<string, TensorJson>> {
  if (isFolder(out)) throw new UsageError(`--out ${out}: is a folder; give a file name such as ${join(out, 'outputs.json')}`);
  const batch = readBatchJson(inputs);
  const { model } = loadModelDir(dir);
  try {
    checkBatchIds(batch, model.config, inputs);
    const rec = forwardRecord(model, batch);
    writeTextAtomic(out, recordToJson(rec));
    return rec;
  } finally {
    model.dispose();
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
