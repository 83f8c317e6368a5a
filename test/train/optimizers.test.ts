/**
 * Optimizer steps against the formulas evaluated independently in float64 plain JS (a second
 * implementation written from the papers / reference code, not the module under test).
 */
import { describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { AdamW, BertAdam, Lamb, createOptimizer, optimizerNameSchema, OPTIMIZERS, type Optimizer } from '../../src/train/optimizer.js';
import { expectClose } from '../helpers/close.js';

type Vals = Record<string, number[]>;

const INIT: Vals = {
  'dense.weight': [0.5, -0.3, 0.8, 0.1],
  'dense.bias': [0.1, -0.2],
  'LayerNorm.weight': [1, 1.1],
  'unused.weight': [0.7, -0.7],
};
const SHAPES: Record<string, number[]> = { 'dense.weight': [2, 2], 'dense.bias': [2], 'LayerNorm.weight': [2], 'unused.weight': [2] };
// Three steps of gradients; `unused.weight` never gets one. Step 2's dense.weight has norm > 1.
const GRADS: Vals[] = [
  { 'dense.weight': [0.1, -0.2, 0.05, 0.3], 'dense.bias': [0.01, -0.02], 'LayerNorm.weight': [0.2, 0.1] },
  { 'dense.weight': [1.5, -0.5, 0.9, 2.0], 'dense.bias': [0.03, 0.04], 'LayerNorm.weight': [-0.1, 0.3] },
  { 'dense.weight': [-0.2, 0.1, 0.0, 0.4], 'LayerNorm.weight': [0.05, -0.05] },
];
const LRS = [0.0, 0.01, 0.005];
const decays = (name: string) => !['bias', 'LayerNorm.bias', 'LayerNorm.weight'].some((s) => name.includes(s));
const norm = (x: number[]) => Math.sqrt(x.reduce((a, v) => a + v * v, 0));

function makeParams(): Map<string, tf.Variable> {
  return new Map(Object.entries(INIT).map(([n, v]) => [n, tf.variable(tf.tensor(v, SHAPES[n]))]));
}

function run(opt: (p: Map<string, tf.Variable>) => Optimizer, steps = 3): { params: Map<string, tf.Variable>; opt: Optimizer } {
  const params = makeParams();
  const o = opt(params);
  for (let s = 0; s < steps; s++) step(o, s);
  return { params, opt: o };
}

function step(o: Optimizer, s: number): void {
  const grads = new Map(Object.entries(GRADS[s]!).map(([n, g]) => [n, tf.tensor(g, SHAPES[n])]));
  o.step(grads, LRS[s]!);
  grads.forEach((g) => g.dispose());
}

function values(params: Map<string, tf.Variable>): Vals {
  return Object.fromEntries([...params].map(([n, v]) => [n, Array.from(v.dataSync())]));
}

/** Runs a per-parameter float64 update rule over GRADS with per-parameter step counts. */
function reference(
  update: (name: string, p: number[], g: number[], m: number[], v: number[], lr: number, t: number) => number[],
  scale: (grads: Vals) => number = () => 1,
): Vals {
  const p: Vals = structuredClone(INIT);
  const m: Vals = {};
  const v: Vals = {};
  const t: Record<string, number> = {};
  GRADS.forEach((grads, s) => {
    const f = scale(grads);
    for (const [name, g0] of Object.entries(grads)) {
      m[name] ??= g0.map(() => 0);
      v[name] ??= g0.map(() => 0);
      t[name] = (t[name] ?? 0) + 1;
      p[name] = update(name, p[name]!, g0.map((x) => x * f), m[name]!, v[name]!, LRS[s]!, t[name]!);
    }
  });
  return p;
}

function expectValues(actual: Vals, expected: Vals): void {
  for (const name of Object.keys(expected)) expectClose(actual[name]!, expected[name]!, { atol: 1e-7, rtol: 2e-6, what: name });
}

describe('BertAdam (TinyBERT reference semantics)', () => {
  const want = reference((name, p, g0, m, v, lr) => {
    const gn = norm(g0);
    const c = Math.min(1, 1.0 / (gn + 1e-6)); // torch clip_grad_norm_(p, 1.0)
    const g = g0.map((x) => x * c);
    return p.map((w, i) => {
      m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
      v[i] = 0.999 * v[i]! + 0.001 * g[i]! * g[i]!;
      let u = m[i]! / (Math.sqrt(v[i]!) + 1e-6); // no bias correction, eps outside sqrt
      if (decays(name)) u += 0.01 * w;
      return w - lr * u;
    });
  });

  it('three steps match the hand formula (per-tensor clipping, decay groups, lr 0 first step)', () => {
    const { params } = run((p) => new BertAdam(p));
    expectValues(values(params), want);
  });
  it('lr 0 leaves parameters unchanged but moves the moments', () => {
    const { params, opt } = run((p) => new BertAdam(p), 1);
    expect(values(params)).toEqual(values(makeParams()));
    const m = opt.getState().slots.get('m/dense.bias')!;
    expectClose(m.data, [0.001, -0.002], { atol: 1e-9 });
  });
  it('parameters without a gradient are skipped entirely: no moments, no weight decay', () => {
    const { params, opt } = run((p) => new BertAdam(p));
    expect(Array.from(params.get('unused.weight')!.dataSync())).toEqual(Array.from(new Float32Array([0.7, -0.7])));
    const st = opt.getState();
    expect(st.slots.has('m/unused.weight')).toBe(false);
    expect(st.paramSteps).toEqual({ 'dense.weight': 3, 'dense.bias': 2, 'LayerNorm.weight': 3 });
    expect(st.step).toBe(3);
  });
});

describe('AdamW (torch.optim.AdamW)', () => {
  const globalScale = (max: number) => (grads: Vals) => {
    const total = norm(Object.values(grads).flat());
    return Math.min(1, max / (total + 1e-6));
  };
  const rule = (eps: number) => (name: string, p: number[], g: number[], m: number[], v: number[], lr: number, t: number) =>
    p.map((w0, i) => {
      const w = decays(name) ? w0 * (1 - lr * 0.01) : w0;
      m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
      v[i] = 0.999 * v[i]! + 0.001 * g[i]! * g[i]!;
      const mHat = m[i]! / (1 - 0.9 ** t);
      const vHat = v[i]! / (1 - 0.999 ** t);
      return w - (lr * mHat) / (Math.sqrt(vHat) + eps);
    });
  it('three steps match the hand formula (bias correction, decoupled decay, global clipping at 1)', () => {
    const { params } = run((p) => new AdamW(p));
    expectValues(values(params), reference(rule(1e-8), globalScale(1)));
  });
  it('without clipping', () => {
    const { params } = run((p) => new AdamW(p, { max_grad_norm: 0, eps: 1e-6 }));
    expectValues(values(params), reference(rule(1e-6)));
  });
});

describe('LAMB (You et al. 2019)', () => {
  it('three steps match the hand formula (trust ratio on decayed params only)', () => {
    const want = reference((name, p, g, m, v, lr, t) => {
      const u = p.map((w, i) => {
        m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
        v[i] = 0.999 * v[i]! + 0.001 * g[i]! * g[i]!;
        const r = m[i]! / (1 - 0.9 ** t) / (Math.sqrt(v[i]! / (1 - 0.999 ** t)) + 1e-6);
        return decays(name) ? r + 0.01 * w : r;
      });
      const wn = norm(p);
      const un = norm(u);
      const trust = decays(name) && wn > 0 && un > 0 ? wn / un : 1;
      return p.map((w, i) => w - lr * trust * u[i]!);
    });
    const { params } = run((p) => new Lamb(p, { max_grad_norm: 0 }));
    expectValues(values(params), want);
  });
  it('trust ratio 1 for a zero parameter', () => {
    const params = new Map([['z.weight', tf.variable(tf.zeros([2]))]]);
    const o = new Lamb(params, { max_grad_norm: 0, weight_decay: 0 });
    o.step(new Map([['z.weight', tf.tensor1d([0.5, -0.5])]]), 0.1);
    // r = mHat / (sqrt(vHat) + eps) = g / (|g| + 1e-6) at t=1
    expectClose(params.get('z.weight')!.dataSync(), [-0.1 * (0.5 / (0.5 + 1e-6)), 0.1 * (0.5 / (0.5 + 1e-6))], { atol: 1e-8 });
  });
});

describe('every optimizer', () => {
  for (const name of optimizerNameSchema.options) {
    it(`${name}: tf.memory().numTensors does not grow across steps`, () => {
      const params = makeParams();
      const o = createOptimizer(name, params);
      step(o, 0);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) step(o, 1 + (i % 2));
      expect(tf.memory().numTensors).toBe(before);
      o.dispose();
    });
    it(`${name}: getState / setState resumes bit-exactly`, () => {
      const a = run((p) => createOptimizer(name, p));
      const params = makeParams();
      const first = createOptimizer(name, params);
      step(first, 0);
      const saved = first.getState();
      first.dispose();
      const second = createOptimizer(name, params);
      second.setState(saved);
      expect(second.stepCount).toBe(1);
      step(second, 1);
      step(second, 2);
      for (const [n, v] of a.params) {
        expect(Array.from(params.get(n)!.dataSync()), n).toEqual(Array.from(v.dataSync()));
      }
    });
  }
  it('the registry covers the enum', () => {
    expect(Object.keys(OPTIMIZERS).sort()).toEqual([...optimizerNameSchema.options].sort());
  });
  it('rejects bad options naming the field', () => {
    expect(() => createOptimizer('bertadam', makeParams(), { b1: 1.5 })).toThrow('optimizer.options.b1: expected < 1, saw number 1.5');
    expect(() => createOptimizer('lamb', makeParams(), { beta1: 0.9 }, 'stages[0].optimizer')).toThrow(
      'stages[0].optimizer.options.beta1: unknown key; expected one of: b1, b2, eps, max_grad_norm, weight_decay, no_decay',
    );
  });
  it('rejects a state from another optimizer or with wrong shapes', () => {
    const { opt } = run((p) => new BertAdam(p), 1);
    const st = opt.getState();
    expect(() => new AdamW(makeParams()).setState(st)).toThrow('optimizer state: saved by "bertadam", cannot resume "adamw"');
    st.slots.set('v/dense.bias', { shape: [3], data: new Float32Array(3) });
    expect(() => new BertAdam(makeParams()).setState(st)).toThrow('optimizer state: slot v/dense.bias has shape [3], parameter [2]');
  });
  it('rejects a gradient for an unknown parameter', () => {
    const o = new BertAdam(makeParams());
    expect(() => o.step(new Map([['nope', tf.zeros([1])]]), 0.1)).toThrow('bertadam: gradient for unknown parameter nope');
  });
});
