/**
 * How a tinybert model is laid out in the float32 graph (onnx/model.onnx), in one table that the
 * writer (bert-graph.ts, onnx-dir.ts) and the reader (read.ts) both use:
 *
 * | parameter                                   | initializer                        | layout                 |
 * |---------------------------------------------|------------------------------------|------------------------|
 * | Linear weight `X.weight` [O, I]             | `X.weight_t`                       | Wᵀ [I, O] (MatMul's right operand) |
 * | embedding tables, LayerNorm, every bias     | the parameter's own name           | unchanged              |
 * | NEZHA relative positions (no parameter)     | `relative_position_table`          | [2k+1, D] sinusoids    |
 * | `bert.pooler.dense` of a token / span model | absent (the head does not read it) |                        |
 *
 * plus the model's metadata_props `tinybert_model_type`. The quantised graph renames the Linears
 * (`_quantized`, `_scale`) and is never read back.
 */

/** The float32 graph of an export folder, the one read back. */
export const ONNX_WEIGHTS = 'onnx/model.onnx';
/** Initializer holding NEZHA's [2k+1, D] relative-position table; present only for relative positions. */
export const RELATIVE_TABLE = 'relative_position_table';
/** Value name of tanh(pooler(h[CLS])); a classifier with ReLU reads Relu(pooled). */
export const POOLED = 'pooled';
/** The producer_name tinybert writes: the reader takes back only graphs it wrote. */
export const PRODUCER = 'tinybert';
export const METADATA_MODEL_TYPE = 'tinybert_model_type';

export interface Stored {
  initializer: string;
  /** Stored as the transpose of the parameter (a 2-D Linear weight). */
  transposed: boolean;
}

/** Where parameter `name` of shape `shape` lives in the float32 graph. */
export function storedAs(name: string, shape: readonly number[]): Stored {
  const transposed = shape.length === 2 && name.endsWith('.weight') && !name.includes('.embeddings.');
  return { initializer: transposed ? `${name}_t` : name, transposed };
}

/** The parameters a graph of `head` does not read, so an export does not hold them. */
export function unusedByHead(name: string, head: string): boolean {
  return head !== 'classification' && name.startsWith('bert.pooler.');
}

/** W [R, C] row-major → Wᵀ [C, R]. */
export function transpose<A extends Float32Array | Uint8Array>(w: A, rows: number, cols: number): A {
  const t = new (w.constructor as new (n: number) => A)(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c];
  return t;
}
