export { bertOnnxModel, ONNX_HEADS, quantizeColumns, quantizeRows, type BertGraphOptions, type TensorData } from './bert-graph.js';
export { checkOnnxHead, ONNX_FILES, transformersJsConfig, writeOnnxDir, type OnnxDirOptions } from './onnx-dir.js';
export { decodeModel, encodeModel, type ModelProto } from './proto.js';
