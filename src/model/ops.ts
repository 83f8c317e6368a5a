/**
 * Small building blocks shared by the encoder: linear, LayerNorm, activations, seeded dropout and
 * an embedding lookup whose padding row receives no gradient (PyTorch `padding_idx`).
 */
import { dropout } from '../backend/dropout.js';
import { fusedGelu, fusedLayerNorm, fusedOpsOn } from '../backend/fused-ops.js';
import { tf, type Tensor } from '../backend/tf.js';
import type { ModelConfig } from './config.js';

export type Params = Map<string, tf.Variable>;

export function param(params: Params, name: string): tf.Variable {
  const p = params.get(name);
  if (!p) throw new Error(`internal: parameter ${name} missing`);
  return p;
}

/** y = x Wᵀ + b over the last axis; W is [out, in] (PyTorch layout). */
export function linear(params: Params, prefix: string, x: Tensor): Tensor {
  const w = param(params, `${prefix}.weight`); // [O, I]
  const b = param(params, `${prefix}.bias`); // [O]
  const shape = x.shape;
  const x2 = x.reshape([-1, shape[shape.length - 1]]); // [N, I]
  const y = tf.fused.matMul({ a: x2 as tf.Tensor2D, b: w as tf.Tensor2D, transposeB: true, bias: b }); // [N, O]
  return y.reshape([...shape.slice(0, -1), w.shape[0]]);
}

/** LayerNorm (x - mean) / sqrt(biased var + eps) * w + b over the last axis; fused where the backend has the kernel. */
export function layerNorm(params: Params, prefix: string, x: Tensor, eps: number): Tensor {
  const gamma = param(params, `${prefix}.weight`);
  const beta = param(params, `${prefix}.bias`);
  return fusedOpsOn() ? fusedLayerNorm(x, gamma, beta, eps) : layerNormReference(x, gamma, beta, eps);
}

/** The composed-op LayerNorm: what backends without the fused kernel run, and the fused one's reference. */
export function layerNormReference(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): Tensor {
  const axis = x.rank - 1;
  const { mean, variance } = tf.moments(x, axis, true);
  const normed = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(normed, gamma), beta);
}

const SQRT_HALF = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

export function activation(name: ModelConfig['hiddenAct'], x: Tensor): Tensor {
  switch (name) {
    case 'gelu': // exact erf form, as the references: x · ½(1 + erf(x/√2))
      return fusedOpsOn() ? fusedGelu(x) : geluReference(x);
    case 'gelu_new': // tanh approximation (Hendrycks & Gimpel 2016, eq. 2)
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), SQRT_2_OVER_PI)), 1));
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
  }
}

/** The composed-op exact GELU (reference of the fused kernel). */
export function geluReference(x: Tensor): Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, SQRT_HALF)), 1));
}

/**
 * Seeded dropout source: every call site draws the next seed, so a forward pass with the same
 * base seed drops the same units on every backend (needed for bit-identical resumed runs; the
 * masks come from the counter-based TinybertDropoutMask kernel, see backend/dropout.ts).
 */
export class DropoutRng {
  private counter = 0;
  constructor(private readonly seed: number) {}
  apply(x: Tensor, rate: number): Tensor {
    if (rate <= 0) return x;
    const s = (Math.imul(this.seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(++this.counter, 0xc2b2ae35)) >>> 0;
    return dropout(x, rate, s);
  }
}

/**
 * Embedding lookup [B, T] → [B, T, C] whose rows for `padId` get no gradient, matching
 * `nn.Embedding(..., padding_idx=0)` of the references.
 */
export function embeddingLookup(table: tf.Variable, ids: Tensor, padId: number | undefined): Tensor {
  if (padId === undefined) return tf.gather(table, ids);
  const lookup = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
    const w = args[0] as Tensor;
    return {
      value: tf.gather(w, ids), // [B, T, C]
      gradFunc: (dy: Tensor) => {
        const keep = tf.notEqual(ids, padId).cast('float32').expandDims(-1); // [B, T, 1]
        const flat = tf.mul(dy, keep).reshape([-1, w.shape[1]!]); // [B·T, C]
        return tf.unsortedSegmentSum(flat, ids.reshape([-1]) as tf.Tensor1D, w.shape[0]!); // [V, C]
      },
    };
  });
  return lookup(table) as Tensor;
}
