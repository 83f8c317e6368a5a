/**
 * LAMB (You et al. 2019, "Large Batch Optimization for Deep Learning", Algorithm 2), the
 * large-batch optimizer the NEZHA paper trains with. Per parameter with gradient g at update t:
 *   m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2
 *   r <- (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 *   u <- r + wd * p                                   (decay group only)
 *   trust <- ||p|| / ||u||  (1 when either norm is 0)  (decay group only; excluded params: 1,
 *                                                       as NVIDIA/TF `exclude_from_layer_adaptation`)
 *   p <- p - lr * trust * u
 * The paper's scaling function phi is the identity. Optional global-norm clipping first.
 */
import { z } from 'zod';
import { tf, type Tensor } from '../../backend/tf.js';
import { RecipeError } from '../../errors.js';
import { validate } from '../../util/validate.js';
import { globalClipFactor } from '../gradients.js';
import { MomentOptimizer, adamOptionFields, l2 } from './base.js';

export const lambOptionsSchema = z
  .object(adamOptionFields({ default: 1e-6, describe: 'added to sqrt of the bias-corrected v' }, 'global'))
  .strict();
export type LambOptions = z.infer<typeof lambOptionsSchema>;

export class Lamb extends MomentOptimizer {
  readonly name = 'lamb';
  readonly options: LambOptions;

  constructor(params: ReadonlyMap<string, tf.Variable>, options: z.input<typeof lambOptionsSchema> = {}) {
    const opts = validate(lambOptionsSchema, options, { at: 'optimizer.options' }, RecipeError);
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
    const m = tf.add(tf.mul(s.m, b1), tf.mul(g, 1 - b1));
    const v = tf.add(tf.mul(s.v, b2), tf.mul(tf.square(g), 1 - b2));
    const mHat = tf.div(m, 1 - b1 ** t);
    const vHat = tf.div(v, 1 - b2 ** t);
    let u = tf.div(mHat, tf.add(tf.sqrt(vHat), eps));
    let step: Tensor = tf.mul(u, lr);
    if (decay) {
      if (weight_decay > 0) u = tf.add(u, tf.mul(p, weight_decay));
      const wNorm = l2(p);
      const uNorm = l2(u);
      const ok = tf.logicalAnd(tf.greater(wNorm, 0), tf.greater(uNorm, 0));
      const trust = tf.where(ok, tf.div(wNorm, tf.maximum(uNorm, 1e-30)), tf.onesLike(wNorm));
      step = tf.mul(u, tf.mul(trust, lr));
    }
    s.m.assign(m);
    s.v.assign(v);
    p.assign(tf.sub(p, step));
  }

  protected fusedAttrs(lr: number, t: number, decay: boolean) {
    const { b1, b2, eps, weight_decay } = this.options;
    // Clipping is global here: `step` passes the factor as gradScale.
    return { rule: 'lamb' as const, b1, b2, eps, lr, t, decay, weightDecay: weight_decay, maxNorm: 0 };
  }
}
