/**
 * The encoder and its task head as an ONNX graph that computes what BertModel.forward computes in
 * eval mode (model/bert.ts, attention.ts, heads.ts): int64 inputs input_ids / attention_mask /
 * token_type_ids [B, T] with dynamic B and T, outputs `logits` ([B, K] or [B, T, K]) or
 * `start_logits` / `end_logits` ([B, T]), the names transformers.js reads.
 *
 * NEZHA's relative positions are computed in the graph from T: idx = clip(j - i, -k, k) + k, then
 * a Gather of the (2k+1) × D sinusoid table (the same float32 table as attention.ts).
 *
 * With `quantize`, every encoder and pooler Linear runs as DynamicQuantizeLinear (activations to
 * uint8, one scale per tensor per call) + MatMulInteger on uint8 weights (zero point 128, one scale
 * per output column) — the dynamic-quantisation form onnxruntime's own quantiser writes, so the
 * product runs in integer kernels (a DequantizeLinear-of-weights graph would only shrink the file).
 * uint8 rather than int8 weights: on x86 without VNNI, onnxruntime's u8·s8 kernel sums pairs in
 * int16 and can saturate; u8·u8 widens first. The task head (a few thousand weights that decide
 * the output directly) stays float32. The word-embedding table is stored as uint8 rows too.
 */
import { relativePositionTable } from '../../model/attention.js';
import type { ModelConfig } from '../../model/config.js';
import { GraphBuilder, IR_VERSION, OPSET } from './graph.js';
import { POOLED, PRODUCER, RELATIVE_TABLE, storedAs, transpose } from './names.js';
import { DataType, valueInfo, type ModelProto, type ValueInfoProto } from './proto.js';

export type TensorData = Map<string, { shape: number[]; data: Float32Array }>;

export interface BertGraphOptions {
  /** Write the int8 graph (header) instead of the float32 one. */
  quantize?: boolean;
}

/** The heads an exported graph has outputs for; the others are refused by the exporter. */
export const ONNX_HEADS = ['classification', 'token-classification', 'span'] as const;

/** Per-row symmetric quantisation of W [R, K] to uint8 with zero point 128: q = 128 + round(w / s), s = max|row| / 127. */
export function quantizeRows(w: Float32Array, rows: number, cols: number): { q: Uint8Array; scale: Float32Array } {
  const q = new Uint8Array(rows * cols);
  const scale = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let k = 0; k < cols; k++) max = Math.max(max, Math.abs(w[r * cols + k]));
    const s = max > 0 ? max / 127 : 1;
    scale[r] = s;
    for (let k = 0; k < cols; k++) q[r * cols + k] = 128 + Math.round(w[r * cols + k] / s);
  }
  return { q, scale };
}

/** Per-output-column quantisation of a Linear's W [O, I], stored as Wᵀ [I, O] (what MatMulInteger multiplies by). */
export function quantizeColumns(w: Float32Array, outDim: number, inDim: number): { q: Uint8Array; scale: Float32Array } {
  const { q, scale } = quantizeRows(w, outDim, inDim);
  return { q: transpose(q, outDim, inDim), scale };
}

class BertGraph {
  readonly g = new GraphBuilder();
  private readonly quantized = new Map<string, [string, string, string]>();

  constructor(
    private readonly c: ModelConfig,
    private readonly weights: TensorData,
    private readonly quantize: boolean,
  ) {}

  weight(name: string): { shape: number[]; data: Float32Array } {
    const w = this.weights.get(name);
    if (!w) throw new Error(`internal: parameter ${name} missing`);
    return w;
  }

  /** A float32 parameter, stored as names.ts says (Linear weights transposed). */
  param(name: string): string {
    const w = this.weight(name);
    const { initializer, transposed } = storedAs(name, w.shape);
    if (!transposed) return this.g.tensor(initializer, w.shape, w.data);
    const [O, I] = w.shape as [number, number];
    return this.g.tensor(initializer, [I, O], transpose(w.data, O, I));
  }

  /** y = x Wᵀ + b over the last axis (W [O, I] in PyTorch layout, stored transposed). */
  linear(prefix: string, x: string, quantize = this.quantize): string {
    const w = this.weight(`${prefix}.weight`);
    const [O, I] = w.shape as [number, number];
    const bias = this.param(`${prefix}.bias`);
    if (!quantize) {
      const wT = this.param(`${prefix}.weight`); // [I, O]
      return this.g.node('Add', [this.g.node('MatMul', [x, wT], {}, `${prefix}.matmul`), bias], {}, prefix); // [.., O]
    }
    // Inputs feeding several Linears (query, key, value) are quantised once.
    let xq = this.quantized.get(x);
    if (!xq) {
      xq = this.g.nodeN('DynamicQuantizeLinear', [x], 3, {}, `${x}_quant`) as [string, string, string];
      this.quantized.set(x, xq);
    }
    const { q, scale } = quantizeColumns(w.data, O, I);
    const wq = this.g.tensor(`${prefix}.weight_quantized`, [I, O], q);
    const wScale = this.g.tensor(`${prefix}.weight_scale`, [O], scale);
    const wZero = this.g.tensor(`${prefix}.weight_zero_point`, [], Uint8Array.of(128));
    const acc = this.g.node('MatMulInteger', [xq[0], wq, xq[2], wZero], {}, `${prefix}.matmul_int`); // [.., O] int32
    const accF = this.g.node('Cast', [acc], { to: DataType.FLOAT }, `${prefix}.matmul_float`);
    const colScale = this.g.node('Mul', [xq[1], wScale], {}, `${prefix}.scale`); // [O]
    return this.g.node('Add', [this.g.node('Mul', [accF, colScale], {}, `${prefix}.dequant`), bias], {}, prefix);
  }

  /**
   * The word-embedding lookup. Quantised, the table (most of a small student's file) is stored as
   * uint8 rows with one scale each, and only the gathered rows are turned back into floats.
   */
  wordEmbeddings(ids: string): string {
    const g = this.g;
    const name = 'bert.embeddings.word_embeddings.weight';
    if (!this.quantize) return g.node('Gather', [this.param(name), ids], { axis: 0 }, 'word_embeddings'); // [B, T, C]
    const [V, C] = this.weight(name).shape as [number, number];
    const { q, scale } = quantizeRows(this.weight(name).data, V, C);
    const rows = g.node('Gather', [g.tensor(`${name}_quantized`, [V, C], q), ids], { axis: 0 }); // [B, T, C] uint8
    const rowScale = g.node('Unsqueeze', [g.node('Gather', [g.tensor(`${name}_scale`, [V], scale), ids], { axis: 0 }), g.int64([-1])]); // [B, T, 1]
    const centred = g.node('Sub', [g.node('Cast', [rows], { to: DataType.FLOAT }), g.float(128)]); // [B, T, C]
    return g.node('Mul', [centred, rowScale], {}, 'word_embeddings'); // [B, T, C]
  }

  /** (x - mean) / sqrt(biased var + eps) · w + b over the last axis (LayerNormalization is opset 17). */
  layerNorm(prefix: string, x: string): string {
    const g = this.g;
    const mean = g.node('ReduceMean', [x], { axes: [-1], keepdims: 1 }, `${prefix}.mean`); // [.., 1]
    const d = g.node('Sub', [x, mean], {}, `${prefix}.centred`);
    const variance = g.node('ReduceMean', [g.node('Mul', [d, d])], { axes: [-1], keepdims: 1 }, `${prefix}.var`);
    const std = g.node('Sqrt', [g.node('Add', [variance, g.float(this.c.layerNormEps)])], {}, `${prefix}.std`);
    const normed = g.node('Div', [d, std]);
    return g.node('Add', [g.node('Mul', [normed, this.param(`${prefix}.weight`)]), this.param(`${prefix}.bias`)], {}, prefix);
  }

  activation(x: string): string {
    const g = this.g;
    switch (this.c.hiddenAct) {
      case 'gelu': // exact: x · ½(1 + erf(x/√2))
        return g.node('Mul', [g.node('Mul', [x, g.float(0.5)]), g.node('Add', [g.node('Erf', [g.node('Mul', [x, g.float(Math.SQRT1_2)])]), g.float(1)])], {}, 'gelu');
      case 'gelu_new': { // x · ½(1 + tanh(√(2/π)(x + 0.044715 x³)))
        const cube = g.node('Mul', [g.node('Mul', [x, x]), x]);
        const inner = g.node('Mul', [g.node('Add', [x, g.node('Mul', [cube, g.float(0.044715)])]), g.float(Math.sqrt(2 / Math.PI))]);
        return g.node('Mul', [g.node('Mul', [x, g.float(0.5)]), g.node('Add', [g.node('Tanh', [inner]), g.float(1)])], {}, 'gelu_new');
      }
      case 'relu':
        return g.node('Relu', [x]);
      case 'tanh':
        return g.node('Tanh', [x]);
    }
  }

  /** Relative embeddings A[idx] for the graph's T, as [T, 1, D, T] (keys) and [T, 1, T, D] (values). */
  relativeEmbeddings(ids: string): { keys: string; values: string } {
    const g = this.g;
    const k = this.c.maxRelativePosition;
    const D = this.c.headSize;
    const T = g.node('Gather', [g.node('Shape', [ids]), g.int64(1)], { axis: 0 }, 'seq_len'); // scalar
    const r = g.node('Range', [g.int64(0), T, g.int64(1)], {}, 'positions'); // [T]
    const dist = g.node('Sub', [g.node('Unsqueeze', [r, g.int64([0])]), g.node('Unsqueeze', [r, g.int64([1])])], {}, 'rel_dist'); // [T, T] = j - i
    const clipped = g.node('Min', [g.node('Max', [dist, g.int64(-k)]), g.int64(k)], {}, 'rel_clipped'); // [T, T]
    const idx = g.node('Add', [clipped, g.int64(k)], {}, 'rel_index'); // [T, T]
    const table = g.tensor(RELATIVE_TABLE, [2 * k + 1, D], relativePositionTable(D, k)); // [2k+1, D]
    const rel = g.node('Gather', [table, idx], { axis: 0 }, 'rel_embeddings'); // [T, T, D]
    const keys = g.node('Unsqueeze', [g.node('Transpose', [rel], { perm: [0, 2, 1] }), g.int64([1])], {}, 'rel_keys'); // [T, 1, D, T]
    const values = g.node('Unsqueeze', [rel, g.int64([1])], {}, 'rel_values'); // [T, 1, T, D]
    return { keys, values };
  }

  attention(pre: string, x: string, maskAdd: string, rel: { keys: string; values: string } | undefined): string {
    const g = this.g;
    const { numHeads: H, headSize: D, hiddenSize: C } = this.c;
    const split = (name: string, perm: number[]) =>
      g.node('Transpose', [g.node('Reshape', [this.linear(`${pre}.${name}`, x), g.int64([0, 0, H, D])])], { perm }, `${pre}.${name}_heads`);
    const q = split('query', [0, 2, 1, 3]); // [B, H, T, D]
    const kT = split('key', [0, 2, 3, 1]); // [B, H, D, T]
    const v = split('value', [0, 2, 1, 3]); // [B, H, T, D]
    let raw = g.node('MatMul', [q, kT], {}, `${pre}.qk`); // [B, H, T, T]
    if (rel) {
      const qT = g.node('Transpose', [q], { perm: [2, 0, 1, 3] }); // [T, B, H, D]
      const keyPos = g.node('MatMul', [qT, rel.keys], {}, `${pre}.q_rel`); // [T, B, H, T]
      raw = g.node('Add', [raw, g.node('Transpose', [keyPos], { perm: [1, 2, 0, 3] })]); // [B, H, T, T]
    }
    const scores = g.node('Add', [g.node('Div', [raw, g.float(Math.sqrt(D))]), maskAdd], {}, `${pre}.scores`); // [B, H, T, T]
    const probs = g.node('Softmax', [scores], { axis: -1 }, `${pre}.probs`); // [B, H, T, T]
    let context = g.node('MatMul', [probs, v]); // [B, H, T, D]
    if (rel) {
      const pT = g.node('Transpose', [probs], { perm: [2, 0, 1, 3] }); // [T, B, H, T]
      const valuePos = g.node('MatMul', [pT, rel.values], {}, `${pre}.p_rel`); // [T, B, H, D]
      context = g.node('Add', [context, g.node('Transpose', [valuePos], { perm: [1, 2, 0, 3] })]); // [B, H, T, D]
    }
    const merged = g.node('Transpose', [context], { perm: [0, 2, 1, 3] }); // [B, T, H, D]
    return g.node('Reshape', [merged, g.int64([0, 0, C])], {}, `${pre}.context`); // [B, T, C]
  }

  build(): { inputs: ValueInfoProto[]; outputs: ValueInfoProto[] } {
    const g = this.g;
    const c = this.c;
    const ids = g.name('input_ids');
    const mask = g.name('attention_mask');
    const types = g.name('token_type_ids');
    const inputs = [ids, mask, types].map((n) => valueInfo(n, DataType.INT64, ['batch_size', 'sequence_length']));

    const maskF = g.node('Cast', [mask], { to: DataType.FLOAT }); // [B, T]
    const maskAdd = g.node('Unsqueeze', [g.node('Mul', [g.node('Sub', [g.float(1), maskF]), g.float(-10000)]), g.int64([1, 2])], {}, 'mask_add'); // [B, 1, 1, T]

    let h = this.wordEmbeddings(ids); // [B, T, C]
    if (!c.relativePositions) {
      const T = g.node('Gather', [g.node('Shape', [ids]), g.int64(1)], { axis: 0 }, 'seq_len'); // scalar
      const positions = g.node('Range', [g.int64(0), T, g.int64(1)], {}, 'positions'); // [T]
      h = g.node('Add', [h, g.node('Gather', [this.param('bert.embeddings.position_embeddings.weight'), positions], { axis: 0 })]); // [B, T, C]
    }
    h = g.node('Add', [h, g.node('Gather', [this.param('bert.embeddings.token_type_embeddings.weight'), types], { axis: 0 })]);
    h = this.layerNorm('bert.embeddings.LayerNorm', h); // [B, T, C]

    const rel = c.relativePositions ? this.relativeEmbeddings(ids) : undefined;
    for (let l = 0; l < c.numLayers; l++) {
      const pre = `bert.encoder.layer.${l}`;
      const context = this.attention(`${pre}.attention.self`, h, maskAdd, rel);
      const a = this.linear(`${pre}.attention.output.dense`, context);
      const h1 = this.layerNorm(`${pre}.attention.output.LayerNorm`, g.node('Add', [a, h])); // [B, T, C]
      const inter = this.activation(this.linear(`${pre}.intermediate.dense`, h1)); // [B, T, F]
      const o = this.linear(`${pre}.output.dense`, inter); // [B, T, C]
      h = this.layerNorm(`${pre}.output.LayerNorm`, g.node('Add', [o, h1])); // [B, T, C]
    }
    return { inputs, outputs: this.head(h) };
  }

  head(h: string): ValueInfoProto[] {
    const g = this.g;
    const c = this.c;
    const K = c.numLabels;
    switch (c.head) {
      case 'classification': {
        const cls = g.node('Gather', [h, g.int64(0)], { axis: 1 }, 'cls'); // [B, C]
        let pooled = g.node('Tanh', [this.linear('bert.pooler.dense', cls)], {}, POOLED); // [B, C]
        // TinyBERT's reference classifier reads relu(pooled): the graph carries it, so every runtime agrees.
        if (c.classifierRelu) pooled = g.node('Relu', [pooled]);
        const logits = g.node('Identity', [this.linear('classifier', pooled, false)], {}, 'logits'); // [B, K]
        return [valueInfo(logits, DataType.FLOAT, ['batch_size', K])];
      }
      case 'token-classification': {
        const logits = g.node('Identity', [this.linear('classifier', h, false)], {}, 'logits'); // [B, T, K]
        return [valueInfo(logits, DataType.FLOAT, ['batch_size', 'sequence_length', K])];
      }
      case 'span': {
        const both = this.linear('qa_outputs', h, false); // [B, T, 2]
        const [start, end] = g.nodeN('Split', [both], 2, { axis: -1 }, 'qa_split'); // [B, T, 1] each
        const startLogits = g.node('Squeeze', [start, g.int64([-1])], {}, 'start_logits'); // [B, T]
        const endLogits = g.node('Squeeze', [end, g.int64([-1])], {}, 'end_logits'); // [B, T]
        return [startLogits, endLogits].map((n) => valueInfo(n, DataType.FLOAT, ['batch_size', 'sequence_length']));
      }
      default:
        throw new Error(`internal: no ONNX head for ${c.head}`);
    }
  }
}

/** The ONNX model of a tinybert model with a task head in ONNX_HEADS. */
export function bertOnnxModel(config: ModelConfig, weights: TensorData, opts: BertGraphOptions = {}): ModelProto {
  const b = new BertGraph(config, weights, opts.quantize ?? false);
  const { inputs, outputs } = b.build();
  return {
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: OPSET }],
    producer_name: PRODUCER,
    graph: b.g.build(`${config.modelType}-${config.head}`, inputs, outputs),
  };
}
