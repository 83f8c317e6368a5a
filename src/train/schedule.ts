/**
 * Learning-rate multipliers as a function of the optimizer step, after TinyBERT
 * `transformer/optimization.py` (`SCHEDULES`). `step` is the number of optimizer steps already
 * taken — 0 for the first update — because BertAdam reads `state['step']` before incrementing it;
 * progress x = step / total_steps, warm-up w a fraction of total_steps.
 *
 *   warmup-linear  x < w ? x / w : max((x - 1) / (w - 1), 0)          (reference WarmupLinearSchedule)
 *   constant       x < w ? x / w : 1                                  (reference WarmupConstantSchedule)
 *   cosine         x < w ? x / w : 0.5 (1 + cos(pi p)), p = min((x - w) / (1 - w), 1)
 *                                                                     (reference WarmupCosineSchedule, cycles 0.5)
 *   none           1                                                  (reference ConstantLR)
 *
 * So with warmup-linear the very first update has lr 0 (it still moves the Adam moments).
 */
import { z } from 'zod';
import { RecipeError } from '../errors.js';
import { validate } from '../util/validate.js';

export const scheduleNameSchema = z
  .enum(['warmup-linear', 'constant', 'cosine', 'none'])
  .describe('learning-rate schedule: warmup-linear (reference), constant (after warm-up), cosine, none');
export type ScheduleName = z.infer<typeof scheduleNameSchema>;

export const scheduleSchema = z
  .object({
    name: scheduleNameSchema.default('warmup-linear'),
    warmup: z.number().min(0).lt(1).default(0.1).describe('warm-up as a fraction of total_steps (reference warmup_proportion)'),
  })
  .strict();
export type ScheduleSpec = z.input<typeof scheduleSchema>;

/** The multiplier of the base learning rate for the update after `step` completed steps. */
export function lrMultiplier(name: ScheduleName, step: number, totalSteps: number, warmup = 0.1): number {
  if (name === 'none') return 1;
  if (!(totalSteps > 0)) throw new RecipeError(`schedule ${name}: total_steps must be positive, got ${totalSteps}`);
  if (!(warmup >= 0 && warmup < 1)) throw new RecipeError(`schedule.warmup: expected a fraction in [0, 1), got ${warmup}`);
  if (!(step >= 0)) throw new RangeError(`schedule ${name}: step must be >= 0, got ${step}`);
  const x = step / totalSteps;
  if (x < warmup) return x / warmup;
  switch (name) {
    case 'warmup-linear':
      return Math.max((x - 1) / (warmup - 1), 0);
    case 'constant':
      return 1;
    case 'cosine': {
      const p = Math.min((x - warmup) / (1 - warmup), 1);
      return 0.5 * (1 + Math.cos(Math.PI * p));
    }
  }
}

/** A schedule bound to its run length: `(step) => multiplier`. */
export function makeSchedule(spec: ScheduleSpec, totalSteps: number, field = 'schedule'): (step: number) => number {
  const s = validate(scheduleSchema, spec, { at: field }, RecipeError);
  if (s.name !== 'none') lrMultiplier(s.name, 0, totalSteps, s.warmup); // validate early
  return (step) => lrMultiplier(s.name, step, totalSteps, s.warmup);
}
