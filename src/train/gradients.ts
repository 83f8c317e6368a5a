/**
 * Gradients of a scalar loss with respect to a named parameter map, and the norms and clipping
 * the optimizers and logs need.
 *
 * `tf.variableGrads` keys its result by tf variable names and omits variables that the loss does
 * not reach — the reference's `.grad is None`; `namedGrads` maps the result back to parameter
 * names and keeps that omission (optimizers skip such parameters entirely).
 */
import { tf, type Tensor } from '../backend/tf.js';

export interface NamedGrads {
  /** The loss value (caller disposes). */
  value: tf.Scalar;
  /** Gradient per parameter name; parameters without a path to the loss are absent. */
  grads: Map<string, Tensor>;
}

/** d loss / d params for the trainable variables of `params` (one or more maps, e.g. student + projections). */
export function namedGrads(loss: () => tf.Scalar, ...params: ReadonlyMap<string, tf.Variable>[]): NamedGrads {
  const byVarName = new Map<string, string>();
  const vars: tf.Variable[] = [];
  for (const map of params) {
    for (const [name, v] of map) {
      if (!v.trainable) continue;
      if (byVarName.has(v.name)) throw new Error(`namedGrads: variable ${v.name} (${name}) is listed twice`);
      byVarName.set(v.name, name);
      vars.push(v);
    }
  }
  const { value, grads } = tf.variableGrads(loss, vars);
  const out = new Map<string, Tensor>();
  for (const [varName, g] of Object.entries(grads)) {
    if (g) out.set(byVarName.get(varName)!, g);
  }
  return { value, grads: out };
}

/** L2 norm of every gradient, in float64 over the float32 values (as the golden reports). */
export function gradNorms(grads: ReadonlyMap<string, Tensor>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, g] of grads) {
    let sq = 0;
    for (const x of g.dataSync()) sq += x * x;
    out.set(name, Math.sqrt(sq));
  }
  return out;
}

/** sqrt(Σ ||g||^2) over all gradients. */
export function globalNorm(grads: ReadonlyMap<string, Tensor>): number {
  let sq = 0;
  for (const n of gradNorms(grads).values()) sq += n * n;
  return Math.sqrt(sq);
}

/**
 * torch.nn.utils.clip_grad_norm_ over all gradients at once: the factor min(1, maxNorm /
 * (total + 1e-6)) every gradient is multiplied by (1 when maxNorm <= 0: clipping off).
 */
export function globalClipFactor(grads: ReadonlyMap<string, Tensor>, maxNorm: number): number {
  if (!(maxNorm > 0)) return 1;
  return Math.min(1, maxNorm / (globalNorm(grads) + 1e-6));
}

/** New clipped gradients (the caller disposes both maps). */
export function clipByGlobalNorm(grads: ReadonlyMap<string, Tensor>, maxNorm: number): Map<string, Tensor> {
  const f = globalClipFactor(grads, maxNorm);
  const out = new Map<string, Tensor>();
  for (const [name, g] of grads) out.set(name, f === 1 ? g.clone() : tf.mul(g, f));
  return out;
}

export function disposeGrads(grads: ReadonlyMap<string, Tensor>): void {
  for (const g of grads.values()) g.dispose();
}
