/** BatchMatMul / _FusedMatMul on native vs cpu: every transpose, batch and broadcast form. */
import { it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { describeNative, expectParity, rand, withGrads } from './parity.js';

/** Operand shapes for op(a)·op(b) = [.., m, k]·[.., k, n] with the given transposes. */
function operands(batchA: number[], batchB: number[], m: number, k: number, n: number, ta: boolean, tb: boolean) {
  return () => [rand([...batchA, ...(ta ? [k, m] : [m, k])], 1), rand([...batchB, ...(tb ? [n, k] : [k, n])], 2)];
}

describeNative('native BatchMatMul', () => {
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      const tag = `transposeA=${ta} transposeB=${tb}`;
      it(`2-D product with ${tag}, values and gradients`, async () => {
        await expectParity(withGrads((a, b) => tf.matMul(a, b, ta, tb), operands([], [], 5, 7, 3, ta, tb)));
      });
      it(`batched product [2,3] with ${tag}, values and gradients`, async () => {
        await expectParity(withGrads((a, b) => tf.matMul(a, b, ta, tb), operands([2, 3], [2, 3], 6, 4, 5, ta, tb)));
      });
      it(`broadcast of a 2-D b over a batch with ${tag}`, async () => {
        await expectParity(() => {
          const [a, b] = operands([4], [], 6, 5, 3, ta, tb)();
          return tf.matMul(a, b, ta, tb);
        });
      });
      it(`broadcast of a 2-D a over a batch with ${tag}`, async () => {
        await expectParity(() => {
          const [a, b] = operands([], [4], 6, 5, 3, ta, tb)();
          return tf.matMul(a, b, ta, tb);
        });
      });
      it(`threaded row-split product (tall a) with ${tag}`, async () => {
        await expectParity(() => {
          const [a, b] = operands([], [], 200, 100, 120, ta, tb)();
          return tf.matMul(a, b, ta, tb);
        }, { atol: 1e-4 });
      });
      it(`threaded column-split product (short a, wide b) with ${tag}`, async () => {
        await expectParity(() => {
          const [a, b] = operands([], [], 8, 300, 1000, ta, tb)();
          return tf.matMul(a, b, ta, tb);
        }, { atol: 1e-4 });
      });
    }
  }

  it('attention-shaped batch [B,H,T,D]·[B,H,T,D]^T, values and gradients', async () => {
    await expectParity(withGrads((q, k) => tf.matMul(q, k, false, true), () => [rand([2, 3, 16, 8], 3), rand([2, 3, 16, 8], 4)]));
  });

  it('size-1 batch broadcast against batch dims of both sides', async () => {
    await expectParity(() => tf.matMul(rand([1, 3, 4, 5], 1), rand([2, 3, 5, 2], 2)));
  });

  it('falls back to the cpu kernel for mixed batch broadcasts [2,1] x [3]', async () => {
    await expectParity(() => tf.matMul(rand([2, 1, 4, 5], 1), rand([3, 5, 2], 2)));
  });

  it('empty inner dimension gives zeros', async () => {
    await expectParity(() => tf.matMul(tf.zeros([3, 0]), tf.zeros([0, 4])));
  });

  it('empty outer dimension gives an empty result', async () => {
    await expectParity(() => tf.matMul(rand([0, 4]), rand([4, 3])));
  });

  it('propagates NaN and Inf', async () => {
    await expectParity(() => {
      const a = tf.tensor2d([[NaN, 1], [Infinity, 0], [1, 2]]);
      return tf.matMul(a, tf.tensor2d([[1, 2], [3, 4]]));
    });
  });

  it('large magnitudes overflow to Inf like the reference', async () => {
    await expectParity(() => tf.matMul(tf.tensor2d([[1e20, 1e20]]), tf.tensor2d([[1e20], [1e19]])));
  });
});

describeNative('native _FusedMatMul', () => {
  for (const activation of ['linear', 'relu', 'elu', 'sigmoid', 'leakyrelu'] as const) {
    it(`bias and ${activation} activation, values and gradients`, async () => {
      await expectParity(
        withGrads(
          (a, b, bias) => tf.fused.matMul({ a, b, bias, activation, leakyreluAlpha: 0.1 }),
          () => [rand([6, 5], 1), rand([5, 4], 2), rand([4], 3)],
        ),
      );
    });
  }

  it('transposed operands with a batched bias', async () => {
    await expectParity(() =>
      tf.fused.matMul({ a: rand([2, 5, 6], 1), b: rand([2, 4, 5], 2), transposeA: true, transposeB: true, bias: rand([2, 1, 4], 3), activation: 'relu' }),
    );
  });

  it('prelu falls back to the cpu kernel', async () => {
    await expectParity(() =>
      tf.fused.matMul({ a: rand([6, 5], 1), b: rand([5, 4], 2), activation: 'prelu', preluActivationWeights: rand([4], 5) }),
    );
  });
});
