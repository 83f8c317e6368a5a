/**
 * The task settings a trained model carries: the stage's max_seq_length and its module's
 * `inferenceSettings` (window stride, answer decoding), recorded in config.json (`task_settings`)
 * when a task stage saves the model. eval, predict and the browser lay them over the defaults of a
 * config made from a file or raw text, so they cut windows and decode answers as training and the
 * stage's dev evaluations did. A sequence length other than the recorded one keeps the defaults
 * derived from that length instead (a stride recorded for 256 positions does not fit 64).
 * Browser-safe: no file access.
 */
import type { ModelConfig } from '../model/config-schema.js';
import type { AnyTaskInference } from './task-module.js';

export type TaskSettings = Record<string, number>;

/** The sequence length when none is asked for and the model records none. */
export const DEFAULT_MAX_SEQ_LENGTH = 128;

/** What a model trained on `config` at `maxSeqLength` positions records. */
export function recordSettings(module: AnyTaskInference, config: unknown, maxSeqLength: number): TaskSettings {
  const out: TaskSettings = { max_seq_length: maxSeqLength };
  for (const key of module.inferenceSettings) {
    const value = (config as Record<string, unknown>)[key];
    if (typeof value === 'number') out[key] = value;
  }
  return out;
}

/** The sequence length to use: the one asked for, else the recorded one, else 128. */
export function settingsMaxSeqLength(asked: number | undefined, settings: TaskSettings | undefined): number {
  return asked ?? settings?.max_seq_length ?? DEFAULT_MAX_SEQ_LENGTH;
}

/** The length inference uses for a model: `settingsMaxSeqLength`, capped by the model's absolute positions. */
export function inferenceLength(model: Pick<ModelConfig, 'relativePositions' | 'maxPositions' | 'taskSettings'>, asked?: number): number {
  return Math.min(settingsMaxSeqLength(asked, model.taskSettings), model.relativePositions ? Infinity : model.maxPositions);
}

/** `config` with the recorded settings of its module, when they were recorded for `maxSeqLength` positions. */
export function applySettings<C>(module: AnyTaskInference, config: C, settings: TaskSettings | undefined, maxSeqLength: number): C {
  if (!settings || settings.max_seq_length !== maxSeqLength) return config;
  const out = { ...config } as Record<string, unknown>;
  for (const key of module.inferenceSettings) {
    if (typeof settings[key] === 'number') out[key] = settings[key];
  }
  return out as C;
}
