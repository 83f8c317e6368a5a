/**
 * One Adam-family step of one parameter tensor as a single kernel, `TinybertAdamUpdate`:
 * inputs {p, g, m, v} (float32, one shape) and the attributes below; outputs [p', m', v'].
 *
 * The tfjs ops of bertadam.ts / adamw.ts / lamb.ts run ~15 kernels per tensor, each reading and
 * writing whole tensors: ~0.6 s per TinyBERT-4L-312 step on `native` (PyTorch: 0.035 s). A
 * backend that registers this kernel does the step in one pass (`native`:
 * src/backend/native/kernels/AdamUpdate.ts). Elsewhere the optimizers run their tfjs ops, which
 * remain the reference the kernel is tested against. Browser-safe: the kernel is looked up by
 * name, so nothing here imports the node-only native backend.
 */
import { tf, type Tensor } from '../../backend/tf.js';

export const ADAM_UPDATE = 'TinybertAdamUpdate';

/** Which optimizer's formula (the doc comments of bertadam.ts, adamw.ts, lamb.ts). */
export const ADAM_RULES = ['bertadam', 'adamw', 'lamb'] as const;
export type AdamRule = (typeof ADAM_RULES)[number];

/** One optimizer's hyperparameters for one tensor at one step. */
export interface AdamUpdateAttrs {
  rule: AdamRule;
  b1: number;
  b2: number;
  eps: number;
  lr: number;
  /** The parameter's 1-based update count (bias correction; BertAdam has none). */
  t: number;
  weightDecay: number;
  /** Whether the parameter is in the weight-decay group (LAMB: also the trust-ratio group). */
  decay: boolean;
  /** Factor every gradient is multiplied by first (global-norm clipping); 1 = none. */
  gradScale: number;
  /** > 0: then clip the gradient per tensor to this norm (BertAdam); <= 0: no per-tensor clipping. */
  maxNorm: number;
}

/** The kernel's attributes, checked. */
export function adamUpdateAttrs(attrs: tf.NamedAttrMap): AdamUpdateAttrs {
  const a = attrs as unknown as AdamUpdateAttrs;
  if (!ADAM_RULES.includes(a.rule)) throw new Error(`${ADAM_UPDATE}: rule must be one of ${ADAM_RULES.join(', ')}, got ${a.rule}`);
  if (!(Number.isInteger(a.t) && a.t >= 1)) throw new Error(`${ADAM_UPDATE}: t must be a positive integer, got ${a.t}`);
  return a;
}

/**
 * [p', m', v'] from the fused kernel, or undefined when the active backend does not have it or
 * an input is not float32 (the caller then runs its tfjs ops).
 */
export function fusedAdamUpdate(p: Tensor, g: Tensor, m: Tensor, v: Tensor, attrs: AdamUpdateAttrs): Tensor[] | undefined {
  if (!tf.getKernel(ADAM_UPDATE, tf.getBackend())) return undefined;
  if (p.dtype !== 'float32' || g.dtype !== 'float32' || m.dtype !== 'float32' || v.dtype !== 'float32') return undefined;
  const inputs = { p, g, m, v };
  return tf.engine().runKernel(ADAM_UPDATE, inputs, attrs as unknown as tf.NamedAttrMap) as Tensor[];
}
