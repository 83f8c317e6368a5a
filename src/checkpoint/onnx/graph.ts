/**
 * A small builder for ONNX graphs: nodes get unique output names, constants become initializers.
 * Every op used is a standard `ai.onnx` op at opset 14 (no contrib ops), so onnxruntime-node and
 * onnxruntime-web run the graph as it is.
 */
import { AttributeType, DataType, type AttributeProto, type DataTypeId, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.js';

export const OPSET = 14;
/** IR version 7 is the one that goes with opsets 12–14. */
export const IR_VERSION = 7;

export type Attr = number | number[] | { float: number };

function attribute(name: string, value: Attr): AttributeProto {
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  return { name, type: AttributeType.FLOAT, f: value.float };
}

function bytesOf(data: Float32Array | Int8Array | Uint8Array | BigInt64Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly names = new Set<string>();
  private readonly scalars = new Map<string, string>();

  /** A fresh value name from a readable stem. */
  name(stem: string): string {
    let name = stem;
    for (let i = 1; this.names.has(name); i++) name = `${stem}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Adds a node with `outputs` results named after `stem`; returns their names. */
  nodeN(opType: string, inputs: string[], outputs: number, attrs: Record<string, Attr> = {}, stem = opType): string[] {
    const out = Array.from({ length: outputs }, (_, i) => this.name(outputs === 1 ? stem : `${stem}_out${i}`));
    this.nodes.push({
      name: this.name(`node_${stem}`),
      op_type: opType,
      input: inputs,
      output: out,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  node(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, stem = opType): string {
    return this.nodeN(opType, inputs, 1, attrs, stem)[0];
  }

  tensor(stem: string, dims: number[], data: Float32Array | Int8Array | Uint8Array | BigInt64Array): string {
    const dataType: DataTypeId = data instanceof Float32Array ? DataType.FLOAT
      : data instanceof Int8Array ? DataType.INT8
      : data instanceof Uint8Array ? DataType.UINT8
      : DataType.INT64;
    const name = this.name(stem);
    this.initializers.push({ name, dims, data_type: dataType, raw_data: bytesOf(data) });
    return name;
  }

  /** A float32 scalar constant, shared by every use of the same value. */
  float(value: number): string {
    const key = `f${value}`;
    let name = this.scalars.get(key);
    if (!name) this.scalars.set(key, (name = this.tensor(`const_f_${this.scalars.size}`, [], Float32Array.of(value))));
    return name;
  }

  /** An int64 constant: a scalar, or a 1-D list (axes, shapes). */
  int64(value: number | number[]): string {
    const key = `i${JSON.stringify(value)}`;
    let name = this.scalars.get(key);
    if (!name) {
      const values = BigInt64Array.from((Array.isArray(value) ? value : [value]).map(BigInt));
      name = this.tensor(`const_i_${this.scalars.size}`, Array.isArray(value) ? [value.length] : [], values);
      this.scalars.set(key, name);
    }
    return name;
  }

  build(name: string, input: ValueInfoProto[], output: ValueInfoProto[]): GraphProto {
    return { name, node: this.nodes, initializer: this.initializers, input, output };
  }
}
