/**
 * ONNX files through protobufjs and the ONNX schema (onnx-proto.ts): plain objects in the shape of
 * the schema's messages (field names as in onnx.proto, `keepCase`) in, bytes out, and back for tests.
 * Only the few messages an inference graph needs are typed here; protobufjs checks the rest.
 */
import protobuf from 'protobufjs';
import { ONNX_PROTO } from './onnx-proto.js';

/** TensorProto.DataType values used by the exporter. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;
export type DataTypeId = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values. */
export const AttributeType = { FLOAT: 1, INT: 2, INTS: 7 } as const;

export interface TensorProto {
  name: string;
  dims: number[];
  data_type: DataTypeId;
  raw_data: Uint8Array; // little-endian, row-major
}

export interface AttributeProto {
  name: string;
  type: (typeof AttributeType)[keyof typeof AttributeType];
  f?: number;
  i?: number;
  ints?: number[];
}

export interface NodeProto {
  name: string;
  op_type: string;
  /** Empty or absent: the standard `ai.onnx` domain. */
  domain?: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
}

/** One dimension: a fixed size or a named dynamic axis. */
export type Dim = number | string;

export interface ValueInfoProto {
  name: string;
  type: { tensor_type: { elem_type: DataTypeId; shape: { dim: ({ dim_value: number } | { dim_param: string })[] } } };
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
}

export interface ModelProto {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  graph: GraphProto;
  metadata_props?: { key: string; value: string }[];
}

let root: protobuf.Root | undefined;

function modelType(): protobuf.Type {
  root ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root;
  return root.lookupType('onnx.ModelProto');
}

export function valueInfo(name: string, elemType: DataTypeId, dims: Dim[]): ValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d }));
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim } } } };
}

/** Serialises a model; protobufjs rejects fields the schema does not have. */
export function encodeModel(model: ModelProto): Uint8Array {
  const type = modelType();
  const message = type.fromObject(model);
  const problem = type.verify(message);
  if (problem) throw new Error(`internal: ONNX model does not match the schema (${problem})`);
  return type.encode(message).finish();
}

/** Parses an ONNX file back into plain objects (int64 as numbers), for tests and `inspect`-style checks. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const type = modelType();
  return type.toObject(type.decode(bytes), { longs: Number }) as ModelProto;
}
