/**
 * What every optimizer shares: the parameter map, the weight-decay rule, two moment slots per
 * parameter (m, v), per-parameter step counts, the "no gradient => skip entirely" rule, and
 * bit-exact state save / restore.
 *
 * Reference semantics (torch.optim.Optimizer, TinyBERT BertAdam): a parameter whose `.grad` is
 * None is skipped — no moment update, no weight decay, its step count does not advance. Here that
 * is a parameter absent from the gradient map (`tf.variableGrads` omits unconnected variables).
 */
import { z } from 'zod';
import { tf, type Tensor } from '../../backend/tf.js';
import { CheckpointError, ShapeError } from '../../errors.js';
import { fusedAdamUpdate, type AdamUpdateAttrs } from './adam-update.js';

/** A tensor as checkpoints hold it. */
export interface SavedTensor {
  shape: readonly number[];
  data: Float32Array;
}

/** Everything needed to resume an optimizer bit for bit. */
export interface OptimizerState {
  name: string;
  /** `step()` calls so far (the trainer's schedule reads this before the call). */
  step: number;
  /** Updates each parameter received (reference: torch `state['step']` per parameter). */
  paramSteps: Record<string, number>;
  /** Moment slots keyed `m/<param>` and `v/<param>`. */
  slots: Map<string, SavedTensor>;
}

export interface Optimizer {
  readonly name: string;
  /** Number of `step()` calls so far. */
  readonly stepCount: number;
  /**
   * Updates the parameters in place from `grads` (keyed like the parameter map) at learning rate
   * `lr` (already multiplied by the schedule). Parameters missing from `grads` are skipped.
   * Does not dispose `grads`.
   */
  step(grads: ReadonlyMap<string, Tensor>, lr: number): void;
  getState(): OptimizerState;
  setState(state: OptimizerState): void;
  /** Frees the moment slots (not the parameters). */
  dispose(): void;
}

/** The reference no-decay list: task_distill.py `no_decay = ['bias', 'LayerNorm.bias', 'LayerNorm.weight']`. */
export const REFERENCE_NO_DECAY = ['bias', 'LayerNorm.bias', 'LayerNorm.weight'] as const;

export const weightDecayFields = {
  weight_decay: z.number().min(0).default(0.01).describe('decoupled weight decay (reference 0.01)'),
  no_decay: z
    .array(z.string())
    .default([...REFERENCE_NO_DECAY])
    .describe('parameters whose name contains any of these substrings get no decay (reference: bias, LayerNorm)'),
};

/**
 * The option fields every Adam-family optimizer shares; only the epsilon default and the clipping
 * rule (per tensor or global) differ between them.
 */
export function adamOptionFields(eps: { default: number; describe: string }, clipping: string) {
  return {
    b1: z.number().min(0).lt(1).default(0.9).describe('first-moment decay (reference 0.9)'),
    b2: z.number().min(0).lt(1).default(0.999).describe('second-moment decay (reference 0.999)'),
    eps: z.number().positive().default(eps.default).describe(eps.describe),
    max_grad_norm: z.number().default(1.0).describe(`${clipping} gradient-norm clipping threshold (reference 1.0); <= 0 disables`),
    ...weightDecayFields,
  };
}

/** The reference rule: decay unless the name contains one of the `noDecay` substrings. */
export function decays(name: string, noDecay: readonly string[]): boolean {
  return !noDecay.some((s) => name.includes(s));
}

/** The two moment slots of one parameter. */
interface Slots {
  m: tf.Variable;
  v: tf.Variable;
}

/**
 * Shared machinery; subclasses implement `update` for one parameter with tfjs ops (called inside
 * tf.tidy; the reference) and `fusedAttrs`, the same step as one fused kernel call.
 */
export abstract class MomentOptimizer implements Optimizer {
  abstract readonly name: string;
  private steps = 0;
  private readonly paramSteps = new Map<string, number>();
  private readonly slots = new Map<string, Slots>();

  constructor(
    protected readonly params: ReadonlyMap<string, tf.Variable>,
    private readonly noDecay: readonly string[],
  ) {}

  get stepCount(): number {
    return this.steps;
  }

  /**
   * One parameter's update. `t` is its 1-based update count (for bias correction); `decay` says
   * whether the weight-decay rule applies. Must assign p, m and v.
   */
  protected abstract update(p: tf.Variable, g: Tensor, s: Slots, lr: number, t: number, decay: boolean): void;

  /**
   * The same update as attributes of the fused kernel (adam-update.ts), used instead of `update`
   * when the backend has that kernel; `gradScale` is filled in by `step`.
   */
  protected abstract fusedAttrs(lr: number, t: number, decay: boolean): Omit<AdamUpdateAttrs, 'gradScale'>;

  /** Factor applied to every gradient of one step (global-norm clipping); 1 = none. */
  protected gradScale(_grads: ReadonlyMap<string, Tensor>): number {
    return 1;
  }

  step(grads: ReadonlyMap<string, Tensor>, lr: number): void {
    if (!Number.isFinite(lr)) throw new RangeError(`${this.name}: learning rate must be finite, got ${lr}`);
    for (const name of grads.keys()) {
      if (!this.params.has(name)) throw new ShapeError(`${this.name}: gradient for unknown parameter ${name}`);
    }
    const scale = this.gradScale(grads);
    for (const [name, p] of this.params) {
      const g = grads.get(name);
      if (!g) continue; // reference: `.grad is None` -> skipped entirely
      if (g.shape.some((d, i) => d !== p.shape[i]) || g.rank !== p.rank) {
        throw new ShapeError(`${this.name}: gradient of ${name} has shape [${g.shape}], parameter [${p.shape}]`);
      }
      const t = (this.paramSteps.get(name) ?? 0) + 1;
      const s = this.slotsOf(name, p);
      const decay = decays(name, this.noDecay);
      tf.tidy(() => {
        const fused = fusedAdamUpdate(p, g, s.m, s.v, { ...this.fusedAttrs(lr, t, decay), gradScale: scale });
        if (!fused) return this.update(p, scale === 1 ? g : tf.mul(g, scale), s, lr, t, decay);
        p.assign(fused[0]!);
        s.m.assign(fused[1]!);
        s.v.assign(fused[2]!);
      });
      this.paramSteps.set(name, t);
    }
    this.steps++;
  }

  private slotsOf(name: string, p: tf.Variable): Slots {
    let s = this.slots.get(name);
    if (!s) {
      s = tf.tidy(() => ({ m: tf.variable(tf.zerosLike(p), false), v: tf.variable(tf.zerosLike(p), false) }));
      this.slots.set(name, s);
    }
    return s;
  }

  getState(): OptimizerState {
    const slots = new Map<string, SavedTensor>();
    for (const [name, s] of this.slots) {
      // Copies: dataSync may return the backend's own buffer.
      slots.set(`m/${name}`, { shape: [...s.m.shape], data: Float32Array.from(s.m.dataSync()) });
      slots.set(`v/${name}`, { shape: [...s.v.shape], data: Float32Array.from(s.v.dataSync()) });
    }
    return { name: this.name, step: this.steps, paramSteps: Object.fromEntries(this.paramSteps), slots };
  }

  setState(state: OptimizerState): void {
    if (state.name !== this.name) {
      throw new CheckpointError(`optimizer state: saved by "${state.name}", cannot resume "${this.name}"`);
    }
    const next = new Map<string, Slots>();
    const make = (key: string, p: tf.Variable): tf.Variable => {
      const saved = state.slots.get(key);
      if (!saved) throw new CheckpointError(`optimizer state: missing slot ${key}`);
      if (saved.shape.length !== p.rank || saved.shape.some((d, i) => d !== p.shape[i])) {
        throw new CheckpointError(`optimizer state: slot ${key} has shape [${saved.shape}], parameter [${p.shape}]`);
      }
      return tf.tidy(() => tf.variable(tf.tensor(saved.data, [...saved.shape], 'float32'), false));
    };
    try {
      for (const name of Object.keys(state.paramSteps)) {
        const p = this.params.get(name);
        if (!p) throw new CheckpointError(`optimizer state: has moments for unknown parameter ${name}`);
        const m = make(`m/${name}`, p);
        try {
          next.set(name, { m, v: make(`v/${name}`, p) });
        } catch (e) {
          m.dispose();
          throw e;
        }
      }
    } catch (e) {
      for (const s of next.values()) (s.m.dispose(), s.v.dispose());
      throw e;
    }
    this.dispose();
    for (const [name, s] of next) this.slots.set(name, s);
    for (const [name, t] of Object.entries(state.paramSteps)) this.paramSteps.set(name, t);
    this.steps = state.step;
  }

  dispose(): void {
    for (const s of this.slots.values()) (s.m.dispose(), s.v.dispose());
    this.slots.clear();
    this.paramSteps.clear();
  }
}

/** ||x||_2 as a scalar tensor (float32, like torch.norm). */
export function l2(x: Tensor): tf.Scalar {
  return tf.sqrt(tf.sum(tf.square(x))) as tf.Scalar;
}
