/**
 * BertAdam exactly as TinyBERT `transformer/optimization.py` (from pytorch-pretrained-BERT):
 * Adam **without bias correction**, eps added outside the square root, weight decay added to the
 * update (decoupled, Loshchilov & Hutter 2019) before it is scaled by the learning rate, and
 * gradients clipped **per tensor** with `torch.nn.utils.clip_grad_norm_(p, max_grad_norm)`.
 * Per parameter with a gradient g (others are skipped entirely):
 *   g <- g * min(1, max_norm / (||g|| + 1e-6))      torch clip_grad_norm_ (clip_coef, clamped at 1)
 *   m <- b1 m + (1 - b1) g
 *   v <- b2 v + (1 - b2) g^2
 *   u <- m / (sqrt(v) + eps)  (+ wd * p  for parameters in the decay group)
 *   p <- p - lr * u
 * The schedule is applied by the caller: the reference reads its multiplier from `state['step']`
 * BEFORE incrementing it, i.e. `lr = base_lr * schedule(stepCount)` with the count of steps already
 * taken (0 for the first update).
 */
import { z } from 'zod';
import { tf, type Tensor } from '../../backend/tf.js';
import { RecipeError } from '../../errors.js';
import { validate } from '../../util/validate.js';
import { MomentOptimizer, adamOptionFields, l2 } from './base.js';

export const bertAdamOptionsSchema = z
  .object(adamOptionFields({ default: 1e-6, describe: 'added to sqrt(v), outside the root (reference 1e-6)' }, 'per-tensor'))
  .strict();
export type BertAdamOptions = z.infer<typeof bertAdamOptionsSchema>;

/** torch.nn.utils.clip_grad_norm_ on one tensor: g * min(1, maxNorm / (||g|| + 1e-6)). */
export function clipTensor(g: Tensor, maxNorm: number): Tensor {
  if (!(maxNorm > 0)) return g;
  return tf.tidy(() => tf.mul(g, tf.minimum(1, tf.div(maxNorm, tf.add(l2(g), 1e-6)))));
}

export class BertAdam extends MomentOptimizer {
  readonly name = 'bertadam';
  readonly options: BertAdamOptions;

  constructor(params: ReadonlyMap<string, tf.Variable>, options: z.input<typeof bertAdamOptionsSchema> = {}) {
    const opts = validate(bertAdamOptionsSchema, options, { at: 'optimizer.options' }, RecipeError);
    super(params, opts.no_decay);
    this.options = opts;
  }

  protected update(
    p: tf.Variable,
    grad: Tensor,
    s: { m: tf.Variable; v: tf.Variable },
    lr: number,
    _t: number,
    decay: boolean,
  ): void {
    const { b1, b2, eps, max_grad_norm, weight_decay } = this.options;
    const g = clipTensor(grad, max_grad_norm);
    const m = tf.add(tf.mul(s.m, b1), tf.mul(g, 1 - b1));
    const v = tf.add(tf.mul(s.v, b2), tf.mul(tf.square(g), 1 - b2));
    let u = tf.div(m, tf.add(tf.sqrt(v), eps));
    if (decay && weight_decay > 0) u = tf.add(u, tf.mul(p, weight_decay));
    s.m.assign(m);
    s.v.assign(v);
    p.assign(tf.sub(p, tf.mul(u, lr)));
  }

  protected fusedAttrs(lr: number, t: number, decay: boolean) {
    const { b1, b2, eps, max_grad_norm, weight_decay } = this.options;
    return { rule: 'bertadam' as const, b1, b2, eps, lr, t, decay, weightDecay: weight_decay, maxNorm: max_grad_norm };
  }
}
