/**
 * One Adam-family step of one parameter tensor as a single kernel, `TinybertAdamUpdate`:
 * inputs {p, g, m, v} (float32, one shape) and the attributes of src/backend/kernel-names.ts; outputs [p', m', v'].
 *
 * The tfjs ops of bertadam.ts / adamw.ts / lamb.ts run ~15 kernels per tensor, each reading and
 * writing whole tensors: ~0.6 s per TinyBERT-4L-312 step on `native` (PyTorch: 0.035 s). A
 * backend that registers this kernel does the step in one pass (`native`:
 * src/backend/native/kernels/AdamUpdate.ts). Elsewhere the optimizers run their tfjs ops, which
 * remain the reference the kernel is tested against. Browser-safe: the kernel is looked up by
 * name, so nothing here imports the node-only native backend.
 */
import { ADAM_UPDATE, type AdamUpdateAttrs } from '../../backend/kernel-names.js';
import { tf, type Tensor } from '../../backend/tf.js';

export { ADAM_RULES, ADAM_UPDATE, type AdamRule, type AdamUpdateAttrs } from '../../backend/kernel-names.js';

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
