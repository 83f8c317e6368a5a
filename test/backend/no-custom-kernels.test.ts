/**
 * Training on a backend that has none of tinybert's custom kernels, as `tensorflow`, `webgl` or
 * `wasm` would be: the model, losses and optimizers must fall back to composed tfjs ops. The
 * stand-in is the cpu backend registered again under another name with every cpu kernel except
 * the Tinybert* ones, so its arithmetic is the cpu's and the losses can be compared with `cpu`.
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fusedOpsOn } from '../../src/backend/fused-ops.js';
import { CUSTOM_KERNELS } from '../../src/backend/kernel-names.js';
import { initBackend } from '../../src/backend/select.js';
import { tf } from '../../src/backend/tf.js';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { availableBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { tinyRecipe } from '../pipeline/tiny-run.js';

const PLAIN = 'plain-cpu';
const custom = new Set<string>(CUSTOM_KERNELS);

function registerPlainBackend(): void {
  if (tf.findBackend(PLAIN)) return;
  tf.registerBackend(
    PLAIN,
    () => {
      const b = new MathBackendCPU();
      (b as unknown as { firstUse: boolean }).firstUse = false; // no "install tfjs-node" banner
      return b;
    },
    -1,
  );
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (!custom.has(k.kernelName)) tf.registerKernel({ ...k, backendName: PLAIN });
  }
}

interface Step {
  stage: string;
  step: number;
  terms: Record<string, number>;
}

/** Runs a general and a task-intermediate stage on `backend`; returns every step's loss terms. */
async function train(backend: string, dropout: number): Promise<Step[]> {
  const { dir } = tinyRecipe({ dropout });
  writeFileSync(
    join(dir, 'tiny.yaml'),
    readFileSync(join(dir, 'recipe.yaml'), 'utf8').replace(/stages:[\s\S]*$/, `stages:
  - { name: gd, kind: general, teacher: teacher, student: student, corpus: text, steps: 3, batch_size: 4 }
  - { name: ti, kind: task-intermediate, teacher: teacher, student: student, task: reviews, steps: 3, batch_size: 4, optimizer: { name: lamb, lr: 1.0e-3 } }
`),
  );
  // distill() keeps the backend already chosen when the recipe says auto; select the one under test.
  await initBackend('cpu', { quiet: true });
  await tf.setBackend(backend);
  const steps: Step[] = [];
  const backends = new Set<string>();
  await distill(loadRecipe(join(dir, 'tiny.yaml')), {
    quiet: true,
    onStep: (s) => {
      steps.push({ ...s, terms: { ...s.terms } });
      backends.add(tf.getBackend());
    },
  });
  await tf.setBackend('cpu');
  expect([...backends]).toEqual([backend]);
  return steps;
}

/** Every loss term of every step, in a fixed order. */
const losses = (steps: Step[]) => steps.flatMap((s) => Object.keys(s.terms).sort().map((k) => s.terms[k]!));

describe('training on a backend without the Tinybert* kernels', () => {
  beforeAll(() => {
    registerPlainBackend();
  });

  it('the stand-in backend really lacks every custom kernel', async () => {
    await tf.setBackend(PLAIN);
    expect(CUSTOM_KERNELS.filter((k) => tf.getKernel(k, PLAIN) !== undefined)).toEqual([]);
    expect(fusedOpsOn()).toBe(false);
    expect(tf.getKernel(tf.BatchMatMul, PLAIN)).toBeDefined();
    await tf.setBackend('cpu');
  });

  it('trains with dropout 0 and gives the cpu backend\'s losses', async () => {
    const cpu = await train('cpu', 0);
    const plain = await train(PLAIN, 0);
    expect(plain.map((s) => `${s.stage}:${s.step}`)).toEqual(cpu.map((s) => `${s.stage}:${s.step}`));
    expect(losses(plain).every(Number.isFinite)).toBe(true);
    // The same cpu kernels (dropout off): only the fallback paths differ, and they compute the same.
    expectClose(losses(plain), losses(cpu), { atol: 1e-6, rtol: 1e-5, what: 'loss terms, plain vs cpu' });
  });

  it('gives the losses of native, which has every custom kernel (fused LayerNorm, GELU, Adam)', async (ctx) => {
    if (!(await availableBackends()).includes('native')) ctx.skip();
    const native = await train('native', 0);
    const plain = await train(PLAIN, 0);
    // Fused kernels round differently from the composed ops; three optimizer steps keep that small.
    expectClose(losses(plain), losses(native), { atol: 1e-4, rtol: 1e-3, what: 'loss terms, plain vs native' });
  });

  it('trains with dropout on through the fallback tf.dropout and stays finite', async () => {
    const plain = await train(PLAIN, 0.1);
    expect(plain.length).toBe(6);
    expect(losses(plain).every(Number.isFinite)).toBe(true);
    // Dropout really ran: the losses differ from a run without it.
    expect(losses(plain)).not.toEqual(losses(await train(PLAIN, 0)));
  });
});
