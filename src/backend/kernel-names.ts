/**
 * The names and attributes of tinybert's custom kernels, in one registry (as tfjs-core's
 * kernel_names.ts). A backend opts in to a fused path by registering a kernel named here; callers
 * look the name up on the active backend and compose plain tfjs ops when it is absent, so nothing
 * outside src/backend needs to know which backend has which kernel. Browser-safe: names only.
 */
import type { NamedAttrMap } from '@tensorflow/tfjs-core';

/** Fused LayerNorm over the last axis (src/backend/fused-ops.ts): {x, gamma, beta} → [y, mean, rstd]. */
export const LAYER_NORM = 'TinybertLayerNorm';
/** Its gradient: {dy, x, gamma, mean, rstd} → [dx, dgamma, dbeta]. */
export const LAYER_NORM_GRAD = 'TinybertLayerNormGrad';
/** Exact GELU: {x} → y. */
export const GELU = 'TinybertGelu';
/** Its gradient: {dy, x} → dx. */
export const GELU_GRAD = 'TinybertGeluGrad';
/** Seeded dropout keep-mask (src/backend/dropout.ts): {} → mask [shape]. */
export const DROPOUT_MASK = 'TinybertDropoutMask';
/** One Adam-family step of one tensor (src/train/optimizers/adam-update.ts): {p, g, m, v} → [p', m', v']. */
export const ADAM_UPDATE = 'TinybertAdamUpdate';

/** Every custom kernel; a backend without any of them still trains (composed tfjs ops). */
export const CUSTOM_KERNELS = [LAYER_NORM, LAYER_NORM_GRAD, GELU, GELU_GRAD, DROPOUT_MASK, ADAM_UPDATE] as const;

export interface LayerNormAttrs {
  eps: number;
}

export interface DropoutMaskAttrs {
  shape: number[];
  rate: number;
  seed: number;
}

/** The dropout kernel's attributes, validated (seed as an unsigned 32-bit integer). */
export function dropoutMaskAttrs(attrs: NamedAttrMap): DropoutMaskAttrs {
  const { shape, rate, seed } = attrs as unknown as DropoutMaskAttrs;
  if (!(rate >= 0 && rate < 1)) throw new Error(`${DROPOUT_MASK}: rate must be in [0, 1), got ${rate}`);
  return { shape, rate, seed: seed >>> 0 };
}

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

/** The Adam kernel's attributes, checked. */
export function adamUpdateAttrs(attrs: NamedAttrMap): AdamUpdateAttrs {
  const a = attrs as unknown as AdamUpdateAttrs;
  if (!ADAM_RULES.includes(a.rule)) throw new Error(`${ADAM_UPDATE}: rule must be one of ${ADAM_RULES.join(', ')}, got ${a.rule}`);
  if (!(Number.isInteger(a.t) && a.t >= 1)) throw new Error(`${ADAM_UPDATE}: t must be a positive integer, got ${a.t}`);
  return a;
}
