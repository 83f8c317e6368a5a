/**
 * Name enums the recipe shares with other modules. Losses, optimizers and schedules are owned by
 * src/distill and src/train; until those registries exist they are restated here with exactly the
 * values their owners publish (`lossNameSchema`, `optimizerNameSchema`, `scheduleNameSchema`), and
 * this file switches to re-exporting them once they do, so the recipe enum and the registries can
 * never drift apart.
 */
import { z } from 'zod';

/** Keys of the losses registry (src/distill/losses.ts). */
export const lossNameSchema = z.enum(['embedding', 'hidden', 'attention', 'prediction', 'hard']);
export type LossName = z.infer<typeof lossNameSchema>;

/** Optimizers of src/train/optimizer.ts. */
export const optimizerNameSchema = z.enum(['bertadam', 'adamw', 'lamb']);
export type OptimizerName = z.infer<typeof optimizerNameSchema>;

/** Learning-rate schedules of src/train/schedule.ts. */
export const scheduleNameSchema = z.enum(['warmup-linear', 'constant', 'cosine', 'none']);
export type ScheduleName = z.infer<typeof scheduleNameSchema>;

/** The losses computed from intermediate layers (the Transformer-layer distillation of §3.1). */
export const INTERMEDIATE_LOSSES: readonly LossName[] = ['embedding', 'hidden', 'attention'];
