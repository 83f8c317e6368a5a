/**
 * Learned projections student-hidden -> teacher-hidden (TinyBERT eqs. 8-9: W_h, W_e), needed
 * because the student is narrower than the teacher (e.g. 312 vs 768).
 *
 * - `shared`: one Linear for every hidden state — the reference (`fit_dense` in TinyBERT
 *   modeling.py, weight [Ct, Cs], bias [Ct]); the checkpoint names are `fit_dense.weight/bias`.
 * - `per-layer`: one Linear per student hidden state s — the paper's separate W_e and W_h —
 *   named `fit_denses.<s>.weight/bias`.
 * - `none`: identity; only when both widths are equal.
 *
 * Projections are training-only: they live in training checkpoints next to the student and are
 * never exported with it. Initialisation follows BERT's `init_bert_weights`: weight ~ N(0, 0.02),
 * bias 0, seeded for reproducibility.
 */
import { z } from 'zod';
import { tf, type Tensor } from '../backend/tf.js';
import { CheckpointError, RecipeError, ShapeError } from '../errors.js';

export const projectionKindSchema = z
  .enum(['shared', 'per-layer', 'none'])
  .describe('shared: one fit_dense for all hidden states (reference); per-layer: fit_denses.N, one per hidden state; none: identity');
export type ProjectionKind = z.infer<typeof projectionKindSchema>;

/**
 * What a recipe may ask for: `auto` uses what the student checkpoint holds (fit_denses.N:
 * per-layer, fit_dense: shared) and a shared one when it holds none; `none` follows from the widths.
 */
export const projectionChoiceSchema = z.enum(['auto', ...projectionKindSchema.exclude(['none']).options]);
export type ProjectionChoice = z.infer<typeof projectionChoiceSchema>;

/** The projection kind a checkpoint's training-only tensors hold, if any. */
export function heldProjection(saved: SavedTensors): Exclude<ProjectionKind, 'none'> | undefined {
  const names = saved instanceof Map ? [...saved.keys()] : Object.keys(saved);
  if (names.some((n) => /^fit_denses\.\d+\.weight$/.test(n))) return 'per-layer';
  if (names.includes('fit_dense.weight')) return 'shared';
  return undefined;
}

/** A tensor as checkpoints hold it (the `extras` of `loadModelDir`). */
export interface SavedTensor {
  shape: readonly number[];
  data: Float32Array;
}
export type SavedTensors = ReadonlyMap<string, SavedTensor> | Readonly<Record<string, SavedTensor>>;

export interface ProjectionSpec {
  kind: ProjectionKind;
  /** Student hidden size Cs. */
  studentHidden: number;
  /** Teacher hidden size Ct. */
  teacherHidden: number;
  /** Student hidden states M + 1 (per-layer projections: one each). */
  numStates: number;
  /** Seed of the N(0, 0.02) initialisation. */
  seed?: number;
  /** Initializer standard deviation (BERT initializer_range); default 0.02. */
  std?: number;
}

/** Parameter names of the projection for student hidden state `state`. */
export function projectionNames(kind: ProjectionKind, state: number): { weight: string; bias: string } | undefined {
  if (kind === 'none') return undefined;
  const prefix = kind === 'shared' ? 'fit_dense' : `fit_denses.${state}`;
  return { weight: `${prefix}.weight`, bias: `${prefix}.bias` };
}

let uniqueId = 0;

/** The projections of one distillation run: training-only parameters plus `apply`. */
export class Projection {
  /** Where the weights came from: a checkpoint's extras or a fresh seeded initialisation. */
  readonly source: 'checkpoint' | 'init';

  constructor(
    readonly spec: ProjectionSpec,
    /** Keyed by the checkpoint names above; tf variable names are unique per instance. */
    readonly params: Map<string, tf.Variable>,
    source: 'checkpoint' | 'init',
  ) {
    this.source = source;
  }

  /** Projects student hidden state `state`: h [B, T, Cs] -> [B, T, Ct] (x W^T + b). */
  apply(state: number, h: Tensor): Tensor {
    const names = projectionNames(this.spec.kind, state);
    if (!names) return h;
    const W = this.params.get(names.weight);
    const b = this.params.get(names.bias);
    if (!W || !b) throw new ShapeError(`projection: no ${names.weight} for student hidden state ${state}`);
    const Cs = this.spec.studentHidden;
    if (h.shape[h.rank - 1] !== Cs) {
      throw new ShapeError(`projection ${names.weight}: student state ${state} has shape [${h.shape}], expected last dim ${Cs}`);
    }
    return tf.tidy(() => {
      const [B, T] = h.shape as [number, number, number];
      const flat = h.reshape([B * T, Cs]); // [B*T, Cs]
      const y = tf.add(tf.matMul(flat, W, false, true), b); // [B*T, Ct]
      return y.reshape([B, T, this.spec.teacherHidden]); // [B, T, Ct]
    });
  }

  /** Weights as checkpoints store them (for training checkpoints, never for export). */
  save(): Map<string, SavedTensor> {
    const out = new Map<string, SavedTensor>();
    for (const [name, v] of this.params) out.set(name, { shape: [...v.shape], data: Float32Array.from(v.dataSync()) });
    return out;
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}

function expectedShapes(spec: ProjectionSpec): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  const states = spec.kind === 'shared' ? 1 : spec.kind === 'per-layer' ? spec.numStates : 0;
  for (let s = 0; s < states; s++) {
    const n = projectionNames(spec.kind, s)!;
    shapes.set(n.weight, [spec.teacherHidden, spec.studentHidden]); // [Ct, Cs], PyTorch layout
    shapes.set(n.bias, [spec.teacherHidden]); // [Ct]
  }
  return shapes;
}

function checkSpec(spec: ProjectionSpec): void {
  if (spec.kind === 'none' && spec.studentHidden !== spec.teacherHidden) {
    throw new RecipeError(
      `projection: "none" needs equal hidden sizes, got student ${spec.studentHidden} and teacher ${spec.teacherHidden}; use "shared" or "per-layer"`,
    );
  }
}

function variable(name: string, t: Tensor): tf.Variable {
  return tf.variable(t, true, `distill/${name}#${uniqueId++}`);
}

/** Fresh projections: weight ~ N(0, std) seeded (each matrix gets seed + its index), bias 0. */
export function createProjection(spec: ProjectionSpec): Projection {
  checkSpec(spec);
  const params = new Map<string, tf.Variable>();
  let i = 0;
  for (const [name, shape] of expectedShapes(spec)) {
    const init = name.endsWith('.bias')
      ? tf.zeros(shape)
      : tf.randomNormal(shape, 0, spec.std ?? 0.02, 'float32', (spec.seed ?? 0) + i++);
    params.set(name, variable(name, init));
    init.dispose();
  }
  return new Projection(spec, params, 'init');
}

function lookup(saved: SavedTensors, name: string): SavedTensor | undefined {
  return saved instanceof Map ? saved.get(name) : (saved as Record<string, SavedTensor>)[name];
}

function has(saved: SavedTensors, name: string): boolean {
  return lookup(saved, name) !== undefined;
}

/** Projections read from a checkpoint (e.g. a general TinyBERT's `fit_dense.*`); every name must be present. */
export function loadProjection(saved: SavedTensors, spec: ProjectionSpec): Projection {
  checkSpec(spec);
  const params = new Map<string, tf.Variable>();
  try {
    for (const [name, shape] of expectedShapes(spec)) {
      const t = lookup(saved, name);
      if (!t) throw new CheckpointError(`projection: checkpoint has no ${name} (needed for "${spec.kind}" projections)`);
      if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
        throw new CheckpointError(`projection: ${name} has shape [${t.shape}], expected [${shape}] (teacher ${spec.teacherHidden} x student ${spec.studentHidden})`);
      }
      const init = tf.tensor(t.data, [...t.shape], 'float32');
      params.set(name, variable(name, init));
      init.dispose();
    }
  } catch (e) {
    for (const v of params.values()) v.dispose();
    throw e;
  }
  return new Projection(spec, params, 'checkpoint');
}

/**
 * The reference behaviour of `from_pretrained`: use the checkpoint's projection when it has one,
 * otherwise initialise fresh (a student that never went through distillation has no fit_dense).
 */
export function initProjection(spec: ProjectionSpec, saved?: SavedTensors): Projection {
  const first = projectionNames(spec.kind, 0);
  if (saved && first && has(saved, first.weight)) return loadProjection(saved, spec);
  return createProjection(spec);
}
