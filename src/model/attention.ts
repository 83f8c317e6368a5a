/**
 * Multi-head self-attention, BERT (absolute positions live in the embeddings) or NEZHA (functional
 * relative positions, Wei et al. 2019 §3.2). For query i, key j:
 *   idx = clip(j - i, -k, k) + k,  A[p][2m] = sin(p / 10000^(2m/D)),  A[p][2m+1] = cos(...)
 *   e_ij = (q_i·k_j + q_i·A[idx_ij]) / sqrt(D) + mask_j,   z_i = Σ_j softmax(e)_ij (v_j + A[idx_ij])
 * The table is evaluated at the shifted index p in 0..2k, in float64 then rounded to float32, as all
 * three reference implementations do. `e` (pre-softmax, mask included) is what distillation reads.
 */
import { tf, type Tensor } from '../backend/tf.js';
import type { ModelConfig } from './config.js';
import { linear, type DropoutRng, type Params } from './ops.js';

/** The (2k+1) × D sinusoid table, row p = relative distance p - k. */
export function relativePositionTable(depth: number, maxRelative: number): Float32Array {
  const rows = 2 * maxRelative + 1;
  const out = new Float32Array(rows * depth);
  for (let p = 0; p < rows; p++) {
    for (let m = 0; m < Math.floor(depth / 2); m++) {
      const angle = p / Math.pow(10000, (2 * m) / depth);
      out[p * depth + 2 * m] = Math.sin(angle);
      out[p * depth + 2 * m + 1] = Math.cos(angle);
    }
  }
  return out;
}

/** idx[i][j] = clip(j - i, -k, k) + k for a length-T sequence, row-major [T, T]. */
export function relativePositionIndex(length: number, maxRelative: number): Int32Array {
  const idx = new Int32Array(length * length);
  for (let i = 0; i < length; i++) {
    for (let j = 0; j < length; j++) {
      idx[i * length + j] = Math.min(Math.max(j - i, -maxRelative), maxRelative) + maxRelative;
    }
  }
  return idx;
}

/** Per-length cache of the expanded relative embeddings A[idx] as [T, T, D] float32 data. */
const relativeCache = new Map<string, Float32Array>();

export function relativeEmbeddings(length: number, depth: number, maxRelative: number): Float32Array {
  const key = `${length}:${depth}:${maxRelative}`;
  let data = relativeCache.get(key);
  if (!data) {
    const table = relativePositionTable(depth, maxRelative);
    const idx = relativePositionIndex(length, maxRelative);
    data = new Float32Array(length * length * depth);
    for (let n = 0; n < idx.length; n++) data.set(table.subarray(idx[n] * depth, (idx[n] + 1) * depth), n * depth);
    relativeCache.set(key, data);
  }
  return data;
}

export interface AttentionResult {
  context: Tensor; // [B, T, C]
  scores: Tensor; // [B, H, T, T]
}

/**
 * One attention sub-layer before its output projection. `maskAdd` is the additive mask
 * (1 - mask) · -10000 shaped [B, 1, 1, T].
 */
export function selfAttention(
  params: Params,
  prefix: string,
  c: ModelConfig,
  x: Tensor,
  maskAdd: Tensor,
  dropout: DropoutRng | undefined,
): AttentionResult {
  const [B, T] = x.shape as [number, number, number];
  const H = c.numHeads;
  const D = c.headSize;
  const heads = (t: Tensor) => t.reshape([B, T, H, D]).transpose([0, 2, 1, 3]); // [B, H, T, D]
  const q = heads(linear(params, `${prefix}.query`, x));
  const k = heads(linear(params, `${prefix}.key`, x));
  const v = heads(linear(params, `${prefix}.value`, x));

  let raw = tf.matMul(q, k, false, true); // [B, H, T, T]
  let rel: Tensor | undefined;
  if (c.relativePositions) {
    rel = tf.tensor3d(relativeEmbeddings(T, D, c.maxRelativePosition), [T, T, D]); // [T, T, D]
    const qT = q.transpose([2, 0, 1, 3]).reshape([T, B * H, D]); // [T, B·H, D]
    const keyPos = tf.matMul(qT, rel, false, true); // [T, B·H, T]
    raw = tf.add(raw, keyPos.reshape([T, B, H, T]).transpose([1, 2, 0, 3])); // [B, H, T, T]
  }
  const scores = tf.add(tf.div(raw, Math.sqrt(D)), maskAdd); // [B, H, T, T]
  let probs = tf.softmax(scores, -1); // [B, H, T, T]
  if (dropout) probs = dropout.apply(probs, c.attentionDropout);

  let context = tf.matMul(probs, v); // [B, H, T, D]
  if (rel) {
    const pT = probs.transpose([2, 0, 1, 3]).reshape([T, B * H, T]); // [T, B·H, T]
    const valuePos = tf.matMul(pT, rel); // [T, B·H, D]
    context = tf.add(context, valuePos.reshape([T, B, H, D]).transpose([1, 2, 0, 3])); // [B, H, T, D]
  }
  return { context: context.transpose([0, 2, 1, 3]).reshape([B, T, H * D]), scores }; // [B, T, C]
}
