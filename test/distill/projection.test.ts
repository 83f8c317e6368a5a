import { describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { createProjection, initProjection, loadProjection, projectionNames } from '../../src/distill/projection.js';
import { CheckpointError, RecipeError } from '../../src/errors.js';
import { expectClose } from '../helpers/close.js';

const spec = { kind: 'shared' as const, studentHidden: 2, teacherHidden: 3, numStates: 3 };
// fit_dense.weight [Ct=3, Cs=2], bias [3]
const W = new Float32Array([1, 0, 0, 1, 1, 1]);
const b = new Float32Array([0.5, 0, -1]);

describe('shared projection (fit_dense, the reference)', () => {
  it('applies x W^T + b to every state', () => {
    const p = loadProjection(new Map([['fit_dense.weight', { shape: [3, 2], data: W }], ['fit_dense.bias', { shape: [3], data: b }]]), spec);
    expect(p.source).toBe('checkpoint');
    const h = tf.tensor3d([[[1, 2], [3, -1]]]); // [1, 2, 2]
    for (const state of [0, 2]) {
      const y = p.apply(state, h);
      expect(y.shape).toEqual([1, 2, 3]);
      // token 0: [1, 2, 3] + b; token 1: [3, -1, 2] + b
      expectClose(y.dataSync(), [1.5, 2, 2, 3.5, -1, 1], { atol: 1e-6 });
    }
    p.dispose();
  });
  it('accepts a plain record of saved tensors and saves back the same values', () => {
    const p = loadProjection({ 'fit_dense.weight': { shape: [3, 2], data: W }, 'fit_dense.bias': { shape: [3], data: b } }, spec);
    const saved = p.save();
    expect([...saved.keys()]).toEqual(['fit_dense.weight', 'fit_dense.bias']);
    expect(Array.from(saved.get('fit_dense.weight')!.data)).toEqual(Array.from(W));
    p.dispose();
  });
  it('rejects a checkpoint without fit_dense', () => {
    expect(() => loadProjection(new Map(), spec)).toThrow(
      new CheckpointError('projection: checkpoint has no fit_dense.weight (needed for "shared" projections)'),
    );
  });
  it('rejects a fit_dense of the wrong shape', () => {
    const bad = new Map([['fit_dense.weight', { shape: [2, 3], data: W }], ['fit_dense.bias', { shape: [3], data: b }]]);
    expect(() => loadProjection(bad, spec)).toThrow('projection: fit_dense.weight has shape [2,3], expected [3,2] (teacher 3 x student 2)');
  });
});

describe('per-layer projections (fit_denses.N, the paper)', () => {
  it('creates one seeded Linear per hidden state, zero bias, std 0.02', () => {
    const p = createProjection({ ...spec, kind: 'per-layer', studentHidden: 64, teacherHidden: 128, seed: 7 });
    expect([...p.params.keys()]).toEqual([
      'fit_denses.0.weight', 'fit_denses.0.bias', 'fit_denses.1.weight', 'fit_denses.1.bias', 'fit_denses.2.weight', 'fit_denses.2.bias',
    ]);
    const w = p.params.get('fit_denses.1.weight')!;
    expect(w.shape).toEqual([128, 64]);
    const data = Array.from(w.dataSync());
    const mean = data.reduce((a, v) => a + v, 0) / data.length;
    const std = Math.sqrt(data.reduce((a, v) => a + (v - mean) ** 2, 0) / data.length);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    expect(Array.from(p.params.get('fit_denses.2.bias')!.dataSync()).every((v) => v === 0)).toBe(true);
    // Different matrices, and the same seed gives the same weights.
    const q = createProjection({ ...spec, kind: 'per-layer', studentHidden: 64, teacherHidden: 128, seed: 7 });
    expect(Array.from(q.params.get('fit_denses.1.weight')!.dataSync())).toEqual(Array.from(data));
    expect(Array.from(q.params.get('fit_denses.0.weight')!.dataSync())).not.toEqual(Array.from(data));
    p.dispose();
    q.dispose();
  });
  it('names follow the student hidden state', () => {
    expect(projectionNames('per-layer', 3)).toEqual({ weight: 'fit_denses.3.weight', bias: 'fit_denses.3.bias' });
    expect(projectionNames('shared', 3)).toEqual({ weight: 'fit_dense.weight', bias: 'fit_dense.bias' });
    expect(projectionNames('none', 3)).toBeUndefined();
  });
});

describe('initProjection', () => {
  it('uses the checkpoint when it has fit_dense, else a fresh init', () => {
    const saved = new Map([['fit_dense.weight', { shape: [3, 2], data: W }], ['fit_dense.bias', { shape: [3], data: b }]]);
    const a = initProjection(spec, saved);
    const c = initProjection(spec, new Map());
    expect(a.source).toBe('checkpoint');
    expect(c.source).toBe('init');
    a.dispose();
    c.dispose();
  });
  it('none is identity and needs equal widths', () => {
    const p = createProjection({ ...spec, kind: 'none', teacherHidden: 2 });
    const h = tf.tensor3d([[[1, 2]]]);
    expect(Array.from(p.apply(1, h).dataSync())).toEqual([1, 2]);
    expect(() => createProjection({ ...spec, kind: 'none' })).toThrow(RecipeError);
  });
});
