/**
 * AdamW as torch.optim.AdamW (Loshchilov & Hutter 2019, Algorithm 2; Kingma & Ba 2015 bias
 * correction). Per parameter with gradient g at its t-th update:
 *   p <- p * (1 - lr * wd)                       (decay group only; decoupled from the gradient)
 *   m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2
 *   p <- p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * Optional global-norm clipping first (torch clip_grad_norm_ over all gradients of the step).
 */
import { z } from 'zod';
import { tf, type Tensor } from '../../backend/tf.js';
import { RecipeError } from '../../errors.js';
import { validate } from '../../util/validate.js';
import { globalClipFactor } from '../gradients.js';
import { MomentOptimizer, adamOptionFields } from './base.js';

export const adamwOptionsSchema = z
  .object(adamOptionFields({ default: 1e-8, describe: 'added to the bias-corrected sqrt(v) (torch default 1e-8)' }, 'global'))
  .strict();
export type AdamWOptions = z.infer<typeof adamwOptionsSchema>;

export class AdamW extends MomentOptimizer {
  readonly name = 'adamw';
  readonly options: AdamWOptions;

  constructor(params: ReadonlyMap<string, tf.Variable>, options: z.input<typeof adamwOptionsSchema> = {}) {
    const opts = validate(adamwOptionsSchema, options, { at: 'optimizer.options' }, RecipeError);
    super(params, opts.no_decay);
    this.options = opts;
  }

  protected override gradScale(grads: ReadonlyMap<string, Tensor>): number {
    return globalClipFactor(grads, this.options.max_grad_norm);
  }

  protected update(
    p: tf.Variable,
    g: Tensor,
    s: { m: tf.Variable; v: tf.Variable },
    lr: number,
    t: number,
    decay: boolean,
  ): void {
    const { b1, b2, eps, weight_decay } = this.options;
    const decayed = decay && weight_decay > 0 ? tf.mul(p, 1 - lr * weight_decay) : p;
    const m = tf.add(tf.mul(s.m, b1), tf.mul(g, 1 - b1));
    const v = tf.add(tf.mul(s.v, b2), tf.mul(tf.square(g), 1 - b2));
    const bc1 = 1 - b1 ** t;
    const bc2 = 1 - b2 ** t;
    const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), eps);
    s.m.assign(m);
    s.v.assign(v);
    p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1)));
  }

  protected fusedAttrs(lr: number, t: number, decay: boolean) {
    const { b1, b2, eps, weight_decay } = this.options;
    // Clipping is global here: `step` passes the factor as gradScale.
    return { rule: 'adamw' as const, b1, b2, eps, lr, t, decay, weightDecay: weight_decay, maxNorm: 0 };
  }
}
