/**
 * Fused LayerNorm and GELU (native kernels with their own gradients) against the composed-op
 * reference the `cpu` backend runs: values and the gradients for every input, over several shapes,
 * size-1 and empty dims, large magnitudes and NaN / Inf propagation.
 */
import { expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { fusedOpsOn } from '../../src/backend/fused-ops.js';
import { activation, layerNorm, type Params } from '../../src/model/ops.js';
import { describeNative, expectParity, rand, withGrads } from './parity.js';

/** The model's LayerNorm entry point with gamma / beta as plain tensors (so their gradients show). */
function ln(eps: number) {
  return (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => {
    const params: Params = new Map();
    // The model passes variables; any tensor works for the op (tests take gradients by argument).
    params.set('ln.weight', gamma as tf.Variable);
    params.set('ln.bias', beta as tf.Variable);
    return layerNorm(params, 'ln', x, eps);
  };
}

const lnInputs = (shape: number[], scale = 1) => () => {
  const c = shape[shape.length - 1]!;
  return [rand(shape, 1, scale), tf.add(rand([c], 2, 0.5), 1), rand([c], 3, 0.5)];
};

describeNative('fused LayerNorm and GELU (native) vs the composed ops (cpu)', () => {
  it('the fused path is what runs on native, the composed one on cpu', async () => {
    await tf.setBackend('native');
    expect(fusedOpsOn()).toBe(true);
    await tf.setBackend('cpu');
    expect(fusedOpsOn()).toBe(false);
  });

  for (const [tag, shape] of [
    ['[B,T,C] activations', [2, 7, 48]],
    ['one row', [1, 5]],
    ['a single feature (variance 0)', [3, 1]],
    ['many rows (partial dgamma sums over several blocks)', [700, 24]],
    ['BERT-width rows', [16, 768]],
  ] as const) {
    it(`LayerNorm ${tag}: values and gradients`, async () => {
      await expectParity(withGrads(ln(1e-12), lnInputs([...shape])), { rtol: 1e-4, atol: 1e-4 });
    });
  }

  it('LayerNorm at large magnitudes (1e4) and with eps 1e-5', async () => {
    await expectParity(withGrads(ln(1e-5), lnInputs([4, 64], 1e4)), { rtol: 1e-4, atol: 1e-4 });
  });

  it('LayerNorm of an empty batch is empty', async () => {
    await expectParity(() => ln(1e-12)(tf.zeros([0, 8]), tf.ones([8]), tf.zeros([8])));
  });

  it('LayerNorm: a NaN or Inf poisons its own row only', async () => {
    await expectParity(() => {
      const x = tf.tensor2d([[1, NaN, 3], [1, 2, 3], [Infinity, 0, 1]]);
      return ln(1e-12)(x, tf.ones([3]), tf.zeros([3]));
    });
  });

  for (const [tag, shape, scale] of [
    ['[B,T,F] activations', [2, 5, 40], 3],
    ['a long vector (threaded)', [70_001], 4],
    ['large magnitudes', [64], 60],
  ] as const) {
    it(`GELU ${tag}: values and gradient`, async () => {
      await expectParity(withGrads((x) => activation('gelu', x), () => [rand([...shape], 5, scale)]), { rtol: 1e-4, atol: 1e-5 });
    });
  }

  it('GELU of empty, NaN and ±Inf inputs', async () => {
    await expectParity(() => [activation('gelu', tf.zeros([0, 3])), activation('gelu', tf.tensor1d([NaN, Infinity, -Infinity, 0, -0.5]))]);
  });
});
