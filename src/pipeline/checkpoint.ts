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
import { basename, dirname, join } from 'node:path';
import { replaceDir, saveModelDir } from '../checkpoint/model-dir.js';
import { readSafetensors, writeSafetensors } from '../checkpoint/safetensors.js';
import type { TensorMap } from '../checkpoint/tensor-map.js';
import { CheckpointError } from '../errors.js';
import type { BertModel } from '../model/bert.js';
import type { Optimizer, OptimizerState } from '../train/optimizer.js';

export interface TrainerState {
  stage: string;
  /** Optimizer steps completed. */
  step: number;
  totalSteps: number;
  /** Serialised data position (batcher / corpus reader). */
  data: unknown;
  best?: { metric: string; value: number; step: number };
  examplesSeen: number;
  /** Wall-clock seconds spent in this stage so far (across resumes). */
  seconds: number;
}

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
  const tmp = join(dirname(dir), `.${basename(dir)}.ckpt-${process.pid}-${Date.now()}`);
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
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as TrainerState;
  } catch (e) {
    throw new CheckpointError(`${path}: cannot read trainer state (${(e as Error).message})`);
  }
}

export function readOptimizerState(dir: string): OptimizerState {
  const path = join(dir, 'optimizer.safetensors');
  const { tensors, metadata } = readSafetensors(path);
  if (!metadata?.name || metadata.step === undefined) throw new CheckpointError(`${path}: optimizer metadata missing (name, step)`);
  const slots = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of tensors) slots.set(name, { shape: t.shape, data: t.data });
  return { name: metadata.name, step: Number(metadata.step), paramSteps: JSON.parse(metadata.paramSteps ?? '{}'), slots };
}
