/**
 * The fused optimizer kernel (TinybertAdamUpdate on `native`) against the tfjs-op reference path
 * (the same optimizer classes on `cpu`, which has no such kernel): several steps over a parameter
 * map with size-1, odd, multi-chunk and zero tensors, decay and no-decay names, clipping active
 * and inactive, a parameter whose step count lags (t differs between tensors), lr 0.
 */
import { expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { startKernelProfile, stopKernelProfile } from '../../src/backend/native/profile.js';
import { ADAM_UPDATE, fusedAdamUpdate } from '../../src/train/optimizers/adam-update.js';
import { createOptimizer, type OptimizerName } from '../../src/train/optimizer.js';
import { data, describeNative, expectSameValues } from '../backend/parity.js';

// Names decide the decay group (reference no_decay: bias, LayerNorm).
const SHAPES: Record<string, number[]> = {
  'embeddings.word.weight': [700, 312], // 218,400 elements: 7 chunks of the kernel, both threads
  'layer.0.dense.weight': [33, 17],
  'layer.0.dense.bias': [17],
  'layer.0.LayerNorm.weight': [312],
  'one.weight': [1],
  'zero.weight': [5], // starts at 0: LAMB's trust ratio 1 at its first update
};
// Per step: gradient scale (uniform in [-s, s)) and learning rate. Step 0 clips the large
// tensors only (per tensor) and the total (global); step 1 clips everything; step 2 nothing and
// lr 0; step 3 in between. layer.0.dense.bias gets no gradient at step 0, so its t lags by one.
const STEPS = [
  { scale: 0.01, lr: 1e-3 },
  { scale: 3, lr: 2e-2 },
  { scale: 1e-4, lr: 0 },
  { scale: 0.3, lr: 5e-3 },
];
const SKIPPED_AT_STEP_0 = 'layer.0.dense.bias';

function initParams(): Map<string, tf.Variable> {
  return new Map(
    Object.entries(SHAPES).map(([name, shape], i) => {
      const n = tf.util.sizeFromShape(shape);
      const values = name === 'zero.weight' ? new Float32Array(n) : data(n, 100 + i, 0.5);
      return [name, tf.variable(tf.tensor(values, shape, 'float32'))];
    }),
  );
}

function stepGrads(s: number, nanIn?: string): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  Object.entries(SHAPES).forEach(([name, shape], i) => {
    if (s === 0 && name === SKIPPED_AT_STEP_0) return;
    const values = data(tf.util.sizeFromShape(shape), 1000 * (s + 1) + i, STEPS[s]!.scale);
    if (name === nanIn) values[0] = NaN;
    out.set(name, tf.tensor(values, shape, 'float32'));
  });
  return out;
}

interface Run {
  params: Map<string, Float32Array>;
  slots: Map<string, Float32Array>;
  fusedCalls: number;
}

/** Runs the optimizer over STEPS on `backend`; returns copies of the parameters and moments. */
async function runOn(
  backend: string,
  name: OptimizerName,
  options: Record<string, unknown> = {},
  nanIn?: string,
): Promise<Run> {
  await tf.setBackend(backend);
  const params = initParams();
  const opt = createOptimizer(name, params, options);
  startKernelProfile();
  STEPS.forEach((_, s) => {
    const grads = stepGrads(s, s === 1 ? nanIn : undefined);
    opt.step(grads, STEPS[s]!.lr);
    grads.forEach((g) => g.dispose());
  });
  const fusedCalls = stopKernelProfile().find((k) => k.name === ADAM_UPDATE)?.calls ?? 0;
  const state = opt.getState();
  const out = {
    params: new Map([...params].map(([n, v]) => [n, Float32Array.from(v.dataSync())])),
    slots: new Map([...state.slots].map(([n, t]) => [n, t.data])),
    fusedCalls,
  };
  opt.dispose();
  params.forEach((v) => v.dispose());
  return out;
}

const UPDATES = STEPS.length * Object.keys(SHAPES).length - 1;

/**
 * Bit-exact: the kernel repeats the reference's float32 operations in order (native/src/optim.cc).
 * Its norms sum in double in another order than tfjs, which could flip a float32 rounding only for
 * a sum within ~1e-16 of a rounding boundary; these fixed data have none.
 */
function expectSameRun(got: Run, want: Run): void {
  expect([...got.slots.keys()].sort()).toEqual([...want.slots.keys()].sort());
  for (const [n, w] of want.params) expectSameValues(got.params.get(n)!, w, { atol: 0, rtol: 0, what: n });
  for (const [n, w] of want.slots) expectSameValues(got.slots.get(n)!, w, { atol: 0, rtol: 0, what: n });
}

const CASES: { name: OptimizerName; what: string; options: Record<string, unknown> }[] = [
  { name: 'bertadam', what: 'per-tensor clipping at 1', options: {} },
  { name: 'bertadam', what: 'no clipping, no decay', options: { max_grad_norm: 0, weight_decay: 0 } },
  { name: 'bertadam', what: 'clipping at 0.05, weight decay 0.1', options: { max_grad_norm: 0.05, weight_decay: 0.1 } },
  { name: 'adamw', what: 'global clipping at 1', options: {} },
  { name: 'adamw', what: 'no clipping, eps 1e-6, weight decay 0.1', options: { max_grad_norm: 0, eps: 1e-6, weight_decay: 0.1 } },
  { name: 'lamb', what: 'global clipping at 1', options: {} },
  { name: 'lamb', what: 'no clipping, no weight decay (trust ratio still on)', options: { max_grad_norm: 0, weight_decay: 0 } },
];

describeNative('fused optimizer step (TinybertAdamUpdate) vs the tfjs ops on cpu', () => {
  for (const c of CASES) {
    it(`${c.name}, ${c.what}: parameters and moments are bit-exact`, async () => {
      const want = await runOn('cpu', c.name, c.options);
      const got = await runOn('native', c.name, c.options);
      expect(want.fusedCalls, 'cpu runs the tfjs ops').toBe(0);
      expect(got.fusedCalls, 'native runs one fused kernel per update').toBe(UPDATES);
      expectSameRun(got, want);
    });
  }

  for (const name of ['bertadam', 'adamw', 'lamb'] as const) {
    it(`${name}: a NaN gradient propagates as in the tfjs ops`, async () => {
      const options = name === 'bertadam' ? {} : { max_grad_norm: 0 };
      const want = await runOn('cpu', name, options, 'layer.0.dense.weight');
      const got = await runOn('native', name, options, 'layer.0.dense.weight');
      expect(Number.isNaN(want.params.get('layer.0.dense.weight')![1])).toBe(name === 'bertadam');
      expectSameRun(got, want);
    });
  }

  for (const name of ['bertadam', 'adamw', 'lamb'] as const) {
    it(`${name}: getState / setState resumes bit-exactly on the fused path`, async () => {
      await tf.setBackend('native');
      const straight = initParams();
      const a = createOptimizer(name, straight);
      const resumed = initParams();
      const first = createOptimizer(name, resumed);
      STEPS.forEach((_, s) => {
        const grads = stepGrads(s);
        a.step(grads, STEPS[s]!.lr);
        if (s < 2) first.step(grads, STEPS[s]!.lr);
        grads.forEach((g) => g.dispose());
      });
      const saved = first.getState();
      first.dispose();
      const second = createOptimizer(name, resumed);
      second.setState(saved);
      for (let s = 2; s < STEPS.length; s++) {
        const grads = stepGrads(s);
        second.step(grads, STEPS[s]!.lr);
        grads.forEach((g) => g.dispose());
      }
      for (const [n, v] of straight) expect(Array.from(resumed.get(n)!.dataSync()), n).toEqual(Array.from(v.dataSync()));
      const [sa, sb] = [a.getState().slots, second.getState().slots];
      for (const [n, t] of sa) expect(Array.from(sb.get(n)!.data), n).toEqual(Array.from(t.data));
      a.dispose();
      second.dispose();
      [...straight.values(), ...resumed.values()].forEach((v) => v.dispose());
    });
  }

  it('tf.memory().numTensors does not grow across fused steps', async () => {
    await tf.setBackend('native');
    const params = initParams();
    const opt = createOptimizer('bertadam', params);
    const step = (s: number) => {
      const grads = stepGrads(s);
      opt.step(grads, STEPS[s]!.lr);
      grads.forEach((g) => g.dispose());
    };
    step(0);
    step(1); // the first update of the parameter skipped at step 0 creates its two moment slots
    const before = tf.memory().numTensors;
    for (let s = 2; s < STEPS.length; s++) step(s);
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    params.forEach((v) => v.dispose());
  });

  it('non-float32 inputs and backends without the kernel take the tfjs path', async () => {
    const attrs = { rule: 'adamw', b1: 0.9, b2: 0.999, eps: 1e-8, lr: 0.1, t: 1, weightDecay: 0, decay: false, gradScale: 1, maxNorm: 0 } as const;
    await tf.setBackend('native');
    const f = tf.ones([3]);
    const i = tf.ones([3], 'int32');
    expect(fusedAdamUpdate(i, i, i, i, attrs)).toBeUndefined();
    const out = fusedAdamUpdate(f, f, f, f, attrs);
    expect(out?.length).toBe(3);
    tf.dispose([f, i, ...(out ?? [])]);
    await tf.setBackend('cpu');
    const c = tf.ones([3]);
    expect(fusedAdamUpdate(c, c, c, c, attrs)).toBeUndefined();
    c.dispose();
  });

  it('rejects an unknown rule and mismatched shapes, naming them', async () => {
    await tf.setBackend('native');
    const attrs = { rule: 'adamw', b1: 0.9, b2: 0.999, eps: 1e-8, lr: 0.1, t: 1, weightDecay: 0, decay: false, gradScale: 1, maxNorm: 0 };
    const [p, g] = [tf.ones([3]), tf.ones([4])];
    const run = (inputs: Record<string, tf.Tensor>, a: object) => tf.engine().runKernel(ADAM_UPDATE, inputs, a as tf.NamedAttrMap);
    expect(() => run({ p, g: p, m: p, v: p }, { ...attrs, rule: 'sgd' })).toThrow(
      'TinybertAdamUpdate: rule must be one of bertadam, adamw, lamb, got sgd',
    );
    expect(() => run({ p, g, m: p, v: p }, attrs)).toThrow('TinybertAdamUpdate: g has shape [4], p [3]');
    tf.dispose([p, g]);
  });
});
