/**
 * @dogo/onnx: ONNX export of @dogo/nn models (encoders, and heads on their features) from the model definition,
 * encoded with onnx-proto (the ONNX schema compiled by protobufjs). Public entry. Platform-neutral: it
 * returns bytes and reads no file. It runs no ONNX model (tests use onnxruntime-node and onnxruntime-web).
 */
export { exportOnnx, OnnxExportError, ONNX_OPSET, ONNX_IR_VERSION, ONNX_NAMES, type OnnxExportOptions } from './export_onnx.js';
export { decodeOnnxModel } from './onnx_proto.js';
export { LAYER_OPS, GLUE_OPS, type LayerOp, type GlueOp, type LayerEmit } from './module_ops.js';
