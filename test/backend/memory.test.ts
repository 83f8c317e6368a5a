/** The native backend does not leak tensors or bytes across repeated training steps. */
import { expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { describeNative, rand } from './parity.js';

describeNative('native backend memory', () => {
  it('tensor count and bytes stay flat across 50 training steps of a small attention block', async () => {
    await tf.setBackend('native');
    const emb = tf.variable(rand([50, 16], 1, 0.1));
    const wq = tf.variable(rand([16, 16], 2, 0.2));
    const wo = tf.variable(rand([16, 3], 3, 0.2));
    const ids = tf.tensor2d([[1, 4, 9, 9], [0, 2, 49, 3]], [2, 4], 'int32');
    const opt = tf.train.adam(1e-3);
    const step = (): number => {
      const { value, grads } = tf.variableGrads(() => {
        const x = tf.gather(emb, ids); // [B, T, C]
        const q = tf.matMul(tf.reshape(x, [8, 16]), wq).reshape([2, 4, 16]); // [B, T, C]
        const att = tf.softmax(tf.matMul(q, x, false, true)); // [B, T, T]
        const h = tf.tanh(tf.matMul(att, x)); // [B, T, C]
        const logits = tf.matMul(tf.mean(h, 1), wo); // [B, 3]
        return tf.mean(tf.square(tf.sub(logits, 1)));
      });
      opt.applyGradients(grads);
      const loss = value.dataSync()[0];
      tf.dispose([value, ...Object.values(grads)]);
      return loss;
    };
    for (let i = 0; i < 3; i++) step(); // optimizer slots are created on the first steps
    const before = tf.memory();
    let loss = 0;
    for (let i = 0; i < 50; i++) loss = step();
    const after = tf.memory();
    expect(Number.isFinite(loss)).toBe(true);
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    tf.dispose([emb, wq, wo, ids]);
    opt.dispose();
  });
});
