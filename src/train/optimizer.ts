/**
 * The optimizer registry: recipe names -> option schema + constructor. Every optimizer updates a
 * `Map<string, tf.Variable>` in place from a gradient map keyed the same way (see
 * optimizers/base.ts for the shared contract: skipping parameters without gradients, the
 * weight-decay rule, state save/restore).
 *
 * - `bertadam`: the TinyBERT / BERT reference (no bias correction, per-tensor clipping).
 * - `adamw`: torch.optim.AdamW (bias-corrected, decoupled decay), global clipping.
 * - `lamb`: You et al. 2019 layer-wise trust ratio, global clipping.
 */
import { z } from 'zod';
import type { tf } from '../backend/tf.js';
import { RecipeError } from '../errors.js';
import { validate } from '../util/validate.js';
import { AdamW, adamwOptionsSchema } from './optimizers/adamw.js';
import type { Optimizer } from './optimizers/base.js';
import { BertAdam, bertAdamOptionsSchema } from './optimizers/bertadam.js';
import { Lamb, lambOptionsSchema } from './optimizers/lamb.js';

export type { Optimizer, OptimizerState, SavedTensor } from './optimizers/base.js';
export { REFERENCE_NO_DECAY, decays } from './optimizers/base.js';
export { AdamW, BertAdam, Lamb, adamwOptionsSchema, bertAdamOptionsSchema, lambOptionsSchema };

export const optimizerNameSchema = z
  .enum(['bertadam', 'adamw', 'lamb'])
  .describe('bertadam (reference TinyBERT), adamw, or lamb (large batches)');
export type OptimizerName = z.infer<typeof optimizerNameSchema>;

type Params = ReadonlyMap<string, tf.Variable>;

interface OptimizerEntry {
  description: string;
  /** Strict schema of the optimizer's options (every field has a default). */
  options: z.ZodType;
  create(params: Params, options: never): Optimizer;
}

export const OPTIMIZERS = {
  bertadam: {
    description: 'Adam without bias correction, eps 1e-6, decoupled decay, per-tensor clipping (TinyBERT reference)',
    options: bertAdamOptionsSchema,
    create: (params: Params, options: z.input<typeof bertAdamOptionsSchema>) => new BertAdam(params, options),
  },
  adamw: {
    description: 'bias-corrected Adam with decoupled weight decay (torch.optim.AdamW)',
    options: adamwOptionsSchema,
    create: (params: Params, options: z.input<typeof adamwOptionsSchema>) => new AdamW(params, options),
  },
  lamb: {
    description: 'layer-wise adaptive large-batch optimizer (You et al. 2019)',
    options: lambOptionsSchema,
    create: (params: Params, options: z.input<typeof lambOptionsSchema>) => new Lamb(params, options),
  },
} as const satisfies Record<OptimizerName, OptimizerEntry>;

/**
 * Builds an optimizer from recipe data; option errors name the field
 * (`optimizer.options.b1: ...`).
 */
export function createOptimizer(name: OptimizerName, params: Params, options: unknown = {}, field = 'optimizer'): Optimizer {
  const entry = OPTIMIZERS[name];
  if (!entry) throw new RecipeError(`${field}.name: unknown optimizer ${JSON.stringify(name)}; expected one of ${optimizerNameSchema.options.join(', ')}`);
  const parsed = validate(entry.options, options ?? {}, { at: `${field}.options` }, RecipeError);
  return entry.create(params, parsed as never);
}
