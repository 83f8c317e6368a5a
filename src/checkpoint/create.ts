/** `tinybert create`: a freshly initialised, seeded model directory from a config file. */
import { readModelConfig } from '../model/config.js';
import { createModel } from '../model/init.js';
import { checkReplaceable, removeOutTemps, saveModelDir, type WeightFormat } from './model-dir.js';

export interface CreateOptions {
  config: string;
  /** Folder to write; replaced atomically if it is a model folder tinybert wrote, else refused. */
  out: string;
  seed?: number;
  vocab?: string;
  format?: WeightFormat;
}

export async function createModelDir(opts: CreateOptions): Promise<{ params: number }> {
  checkReplaceable(opts.out);
  removeOutTemps(opts.out);
  const config = readModelConfig(opts.config);
  const model = createModel(config, opts.seed ?? 0);
  try {
    await saveModelDir(model, opts.out, { vocab: opts.vocab, format: opts.format });
    return { params: model.numParams() };
  } finally {
    model.dispose();
  }
}
