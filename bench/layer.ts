/**
 * Stand-in workload: one BERT-base encoder layer forward + backward (batch 8 x 128, hidden 768,
 * 12 heads, FFN 3072; elementwise LayerNorm and erf-GELU as the reference writes them), in plain
 * tfjs. 44.7 GFLOP per step; PyTorch 1.13 / OpenBLAS at 2 threads: 0.54 s on the machine.
 */
import { tf } from '../src/backend/tf.js';

export interface LayerBenchResult {
  name: 'bert-layer';
  backend: string;
  sec_per_step: number;
  /** Process CPU seconds per step (user + system): the work done, whatever else runs on the machine. */
  cpu_sec_per_step: number;
  gflop_per_step: number;
  gflops: number;
  steps: number;
}

const B = 8;
const T = 128;
const C = 768;
const H = 12;
const D = C / H;
const F = 3072;

/** Forward FLOPs x 3 (backward is two products per forward product). */
export const LAYER_GFLOP = (3 * 2 * (B * T * C * C * 4 + B * T * C * F * 2 + 2 * B * H * T * T * D)) / 1e9;

function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const u = tf.mean(x, -1, true); // [B, T, 1]
  const xc = tf.sub(x, u); // [B, T, C]
  const s = tf.mean(tf.square(xc), -1, true); // [B, T, 1]
  return tf.add(tf.mul(g, tf.div(xc, tf.sqrt(tf.add(s, 1e-12)))), b);
}

function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
}

function dense(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const [rows, cin] = [x.size / x.shape[x.rank - 1], x.shape[x.rank - 1]];
  return tf.add(tf.matMul(tf.reshape(x, [rows, cin]), w), b); // [B*T, out]
}

export function makeLayer(): Record<string, tf.Variable> {
  const v = (shape: number[], scale: number, seed: number) => tf.variable(tf.randomNormal(shape, 0, scale, 'float32', seed));
  return {
    wq: v([C, C], 0.02, 1), bq: tf.variable(tf.zeros([C])),
    wk: v([C, C], 0.02, 2), bk: tf.variable(tf.zeros([C])),
    wv: v([C, C], 0.02, 3), bv: tf.variable(tf.zeros([C])),
    wo: v([C, C], 0.02, 4), bo: tf.variable(tf.zeros([C])),
    g1: tf.variable(tf.ones([C])), b1: tf.variable(tf.zeros([C])),
    w1: v([C, F], 0.02, 5), c1: tf.variable(tf.zeros([F])),
    w2: v([F, C], 0.02, 6), c2: tf.variable(tf.zeros([C])),
    g2: tf.variable(tf.ones([C])), b2: tf.variable(tf.zeros([C])),
  };
}

export function layerForward(p: Record<string, tf.Tensor>, x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, H, D]), [0, 2, 1, 3]); // [B, H, T, D]
  const q = heads(dense(x, p.wq, p.bq));
  const k = heads(dense(x, p.wk, p.bk));
  const v = heads(dense(x, p.wv, p.bv));
  const scores = tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(D)), mask); // [B, H, T, T]
  const probs = tf.softmax(scores);
  const ctx = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [B * T, C]); // [B*T, C]
  const a = layerNorm(tf.add(dense(ctx, p.wo, p.bo), tf.reshape(x, [B * T, C])), p.g1, p.b1); // [B*T, C]
  const f = dense(gelu(dense(a, p.w1, p.c1)), p.w2, p.c2); // [B*T, C]
  return tf.reshape(layerNorm(tf.add(f, a), p.g2, p.b2), [B, T, C]);
}

/** Times `steps` forward+backward steps after one warm-up. */
export function benchLayer(steps: number): LayerBenchResult {
  const p = makeLayer();
  const x = tf.randomNormal([B, T, C], 0, 1, 'float32', 7);
  const mask = tf.zeros([B, 1, 1, T]);
  const w = tf.randomNormal([B, T, C], 0, 1, 'float32', 8);
  const step = () => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layerForward(p, x, mask), w)) as tf.Scalar);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  step();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const sec = (performance.now() - t0) / 1000 / steps;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6 / steps;
  tf.dispose([x, mask, w, ...Object.values(p)]);
  return { name: 'bert-layer', backend: tf.getBackend(), sec_per_step: sec, cpu_sec_per_step: cpu, gflop_per_step: LAYER_GFLOP, gflops: LAYER_GFLOP / sec, steps };
}
