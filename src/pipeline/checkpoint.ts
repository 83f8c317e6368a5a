/**
 * Training checkpoints: everything needed to continue a stage bit for bit — the trained model and
 * its projections (a model directory with training-only `fit_dense*` tensors), the optimizer's
 * moments and step counts, the step, the data position and the best evaluation so far — written as
 * one directory that is assembled beside its final place and renamed in (never half-written).
 *
 *   <stage>/checkpoint/   config.json, model.safetensors (+ fit_dense*), vocab.txt,
 *                         optimizer.safetensors, trainer.json, recipe.yaml
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { replaceDir, saveModelDir } from '../checkpoint/model-dir.js';
import { readSafetensors, writeSafetensors } from '../checkpoint/safetensors.js';
import type { TensorMap } from '../checkpoint/tensor-map.js';
import { CheckpointError } from '../errors.js';
import type { BertModel } from '../model/bert.js';
import type { Optimizer, OptimizerState } from '../train/optimizer.js';
import { tempDirName } from '../util/fs.js';
import { validate } from '../util/validate.js';

export const trainerStateSchema = z.strictObject({
  stage: z.string(),
  step: z.number().int().min(0).describe('optimizer steps completed'),
  totalSteps: z.number().int().min(0),
  data: z.unknown().describe('serialised data position (batcher / corpus reader), checked by the reader on resume'),
  best: z
    .strictObject({
      metric: z.string(),
      value: z.number(),
      step: z.number().int().min(0),
      scores: z.record(z.string(), z.number()).optional().describe('every dev score at that step (absent in checkpoints written before it was kept)'),
    })
    .optional(),
  examplesSeen: z.number().int().min(0),
  seconds: z.number().min(0).describe('wall-clock seconds spent in this stage so far (across resumes)'),
});
export type TrainerState = z.infer<typeof trainerStateSchema>;

/** optimizer.safetensors metadata: safetensors metadata values are strings. */
const optimizerMetadataSchema = z.looseObject({
  name: z.string().min(1),
  step: z.string().regex(/^\d+$/, 'expected a non-negative integer'),
  paramSteps: z
    .string()
    .optional()
    .transform((text, ctx) => {
      try {
        return z.record(z.string(), z.number().int().min(0)).parse(JSON.parse(text ?? '{}'));
      } catch {
        ctx.addIssue({ code: 'custom', message: `expected a JSON object of parameter step counts, saw ${JSON.stringify(text)}` });
        return z.NEVER;
      }
    }),
});

export interface CheckpointContents {
  model: BertModel;
  extras?: TensorMap;
  optimizer?: Optimizer;
  trainer?: TrainerState;
  vocab?: string;
  recipeYaml?: string;
}

/** Writes a checkpoint (or a stage output when no optimizer/trainer is given) atomically. */
export async function writeCheckpoint(dir: string, c: CheckpointContents): Promise<void> {
  const tmp = tempDirName(dir, 'ckpt');
  try {
    await saveModelDir(c.model, tmp, { vocab: c.vocab, extras: c.extras });
    if (c.optimizer) {
      const s = c.optimizer.getState();
      const tensors: TensorMap = new Map();
      for (const [name, t] of s.slots) tensors.set(name, { shape: [...t.shape], data: t.data, dtype: 'F32' });
      writeSafetensors(join(tmp, 'optimizer.safetensors'), tensors, {
        metadata: { name: s.name, step: String(s.step), paramSteps: JSON.stringify(s.paramSteps) },
      });
    }
    if (c.trainer) writeFileSync(join(tmp, 'trainer.json'), `${JSON.stringify(c.trainer, null, 2)}\n`);
    if (c.recipeYaml) writeFileSync(join(tmp, 'recipe.yaml'), c.recipeYaml);
    replaceDir(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, 'trainer.json')) && existsSync(join(dir, 'optimizer.safetensors'));
}

export function readTrainerState(dir: string): TrainerState {
  const path = join(dir, 'trainer.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`${path}: cannot read trainer state (${(e as Error).message})`);
  }
  return validate(trainerStateSchema, raw, path, CheckpointError);
}

export function readOptimizerState(dir: string): OptimizerState {
  const path = join(dir, 'optimizer.safetensors');
  const { tensors, metadata } = readSafetensors(path);
  const meta = validate(optimizerMetadataSchema, metadata ?? {}, { file: path, at: '__metadata__' }, CheckpointError);
  const slots = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of tensors) slots.set(name, { shape: t.shape, data: t.data });
  return { name: meta.name, step: Number(meta.step), paramSteps: meta.paramSteps, slots };
}
