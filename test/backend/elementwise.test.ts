/** Binary (broadcasting) and unary kernels on native vs cpu, values and gradients, edge values. */
import { it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { describeNative, expectParity, rand, withGrads } from './parity.js';

const BINARY: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
  ['add', tf.add],
  ['sub', tf.sub],
  ['mul', tf.mul],
  ['div', tf.div],
  ['squaredDifference', tf.squaredDifference],
  ['maximum', tf.maximum],
  ['minimum', tf.minimum],
];

const SHAPES: [string, number[], number[]][] = [
  ['same shape', [3, 4], [3, 4]],
  ['row vector over a matrix', [3, 4], [4]],
  ['column against row (outer)', [3, 1], [1, 4]],
  ['middle broadcast', [2, 3, 4], [2, 1, 4]],
  ['scalar on the left', [], [2, 3]],
  ['size-1 dims everywhere', [1, 1, 5], [5]],
  ['bias over [B,T,C]', [2, 5, 8], [8]],
  ['per-token scale [B,T,1]', [2, 5, 1], [2, 5, 8]],
];

describeNative('native binary kernels', () => {
  for (const [name, op] of BINARY) {
    for (const [tag, sa, sb] of SHAPES) {
      // tfjs-core's gradients of these three do not reduce over broadcast dims (on any backend).
      const grads = tag === 'same shape' || !['squaredDifference', 'maximum', 'minimum'].includes(name);
      it(`${name}: ${tag}, values${grads ? ' and gradients' : ''}`, async () => {
        // b kept away from 0 so division is well conditioned.
        const inputs = () => [rand(sa, 1), tf.add(rand(sb, 2, 0.5), 1.5)];
        await expectParity(grads ? withGrads(op, inputs) : () => op(...(inputs() as [tf.Tensor, tf.Tensor])), { rtol: 1e-4 });
      });
    }
  }

  it('pow of positive bases', async () => {
    await expectParity(() => tf.pow(tf.add(rand([3, 4], 1), 2), rand([4], 2)));
  });

  it('threaded long rows match', async () => {
    await expectParity(() => tf.add(rand([70_000], 1), rand([70_000], 2)));
  });

  it('threaded many short rows match', async () => {
    await expectParity(() => tf.mul(rand([4096, 24], 1), rand([4096, 1], 2)));
  });

  it('propagates NaN and Inf (maximum/minimum return NaN if either side is NaN)', async () => {
    const a = [NaN, 1, Infinity, -Infinity, 0, 3, NaN];
    const b = [2, NaN, Infinity, Infinity, 0, -Infinity, NaN];
    for (const [, op] of BINARY) await expectParity(() => op(tf.tensor1d(a), tf.tensor1d(b)));
  });

  it('large magnitudes overflow to Inf and divide by zero like the reference', async () => {
    await expectParity(() => [
      tf.mul(tf.tensor1d([1e30, -1e30, 3e38]), tf.tensor1d([1e10, 1e10, 10])),
      tf.div(tf.tensor1d([1, -1, 0]), tf.tensor1d([0, 0, 0])),
      tf.squaredDifference(tf.tensor1d([3e20]), tf.tensor1d([-3e20])),
    ]);
  });

  it('empty tensors broadcast to empty results', async () => {
    await expectParity(() => [tf.add(tf.zeros([0, 3]), rand([3])), tf.mul(tf.zeros([2, 0]), tf.zeros([1, 0]))]);
  });

  it('int32 inputs fall back to the cpu kernel', async () => {
    await expectParity(() => tf.cast(tf.add(tf.tensor1d([1, 2, 3], 'int32'), tf.tensor1d([4, 5, 6], 'int32')), 'float32'));
  });

  it('addN sums several tensors, and accumulates gradients of a reused tensor', async () => {
    await expectParity(() => tf.addN([rand([3, 4], 1), rand([3, 4], 2), rand([3, 4], 3)]));
    await expectParity(withGrads((x) => tf.add(tf.mul(x, x), tf.add(tf.exp(x), tf.tanh(x))), () => [rand([3, 4], 1)]));
  });
});

const COMPARE: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
  ['greater', tf.greater],
  ['greaterEqual', tf.greaterEqual],
  ['less', tf.less],
  ['lessEqual', tf.lessEqual],
  ['equal', tf.equal],
  ['notEqual', tf.notEqual],
];

describeNative('native comparison kernels', () => {
  for (const [name, op] of COMPARE) {
    it(`${name}: broadcasting, ties, NaN and Inf`, async () => {
      const a = tf.tensor2d([[1, NaN, Infinity, -Infinity], [2, 2, -0, 0]]);
      const b = tf.tensor1d([1, NaN, Infinity, 0]);
      await expectParity(() => [tf.cast(op(a, b), 'float32'), tf.cast(op(b, a), 'float32'), tf.cast(op(rand([3, 1]), rand([1, 5], 2)), 'float32')]);
    });
  }

  it('the attention-loss mask (score <= -100) selects like the reference', async () => {
    await expectParity(() => {
      const s = tf.add(rand([2, 3, 4, 4], 1), tf.tensor1d([0, 0, -10000, 0]));
      return tf.where(tf.lessEqual(s, -100), tf.zerosLike(s), s);
    });
  });
});

const UNARY: [string, (x: tf.Tensor) => tf.Tensor, number, number][] = [
  // name, op, input offset, input scale (inputs kept in the op's domain)
  ['exp', tf.exp, 0, 3],
  ['log', tf.log, 2, 1.5],
  ['sqrt', tf.sqrt, 2, 1.5],
  ['rsqrt', tf.rsqrt, 2, 1.5],
  ['tanh', tf.tanh, 0, 3],
  ['erf', tf.erf, 0, 3],
  ['relu', tf.relu, 0, 1],
  ['relu6', tf.relu6, 3, 5],
  ['neg', tf.neg, 0, 1],
  ['square', tf.square, 0, 2],
  ['abs', tf.abs, 0, 1],
  ['sigmoid', tf.sigmoid, 0, 5],
  ['reciprocal', tf.reciprocal, 2, 1.5],
  ['log1p', tf.log1p, 1, 0.9],
  ['expm1', tf.expm1, 0, 2],
  ['elu', tf.elu, 0, 2],
  ['leakyRelu', (x) => tf.leakyRelu(x, 0.1), 0, 1],
  ['softplus', tf.softplus, 0, 5],
  ['step', (x) => tf.step(x, 0.3), 0, 1],
];

describeNative('native unary kernels', () => {
  for (const [name, op, offset, scale] of UNARY) {
    it(`${name}: values and gradients`, async () => {
      await expectParity(withGrads(op, () => [tf.add(rand([4, 33], 7, scale), offset)]), { atol: 2e-6, rtol: 1e-5 });
    });
  }

  it('GELU built from erf matches (the encoder formula x·½(1+erf(x/√2)))', async () => {
    const gelu = (x: tf.Tensor) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
    await expectParity(withGrads(gelu, () => [rand([8, 64], 3, 4)]), { atol: 2e-6 });
  });

  it('propagates NaN and handles Inf, zero and negative edge inputs', async () => {
    const x = [NaN, Infinity, -Infinity, 0, -0, -1, 1e-30, 88.8, -104];
    for (const [, op] of UNARY) await expectParity(() => op(tf.tensor1d(x)));
  });

  it('large magnitudes saturate like the reference', async () => {
    const x = [1e30, -1e30, 3e38, -3e38];
    for (const [, op] of UNARY) await expectParity(() => op(tf.tensor1d(x)));
  });

  it('empty and size-1 tensors', async () => {
    await expectParity(() => [tf.exp(tf.zeros([0, 4])), tf.tanh(tf.ones([1, 1, 1]))]);
  });
});
