/**
 * The ONNX protobuf messages this package writes, and their encoding, with onnx-proto (the official onnx.proto
 * compiled to JavaScript by protobufjs; npm package onnx-proto, ONNX v1.10 schema, which has every field and
 * operator-set number used here). Internal, except `decodeOnnxModel` for tests and inspection.
 */
import onnxProto from 'onnx-proto';

// onnx-proto is CommonJS: its namespace comes from the default export.
const { onnx } = onnxProto;

export type AttributeProto = onnxProto.onnx.IAttributeProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type ModelProto = onnxProto.onnx.IModelProto;

/** TensorProto.DataType.FLOAT. */
export const ONNX_FLOAT = onnx.TensorProto.DataType.FLOAT;
/** AttributeProto.AttributeType values by name. */
export const ATTRIBUTE_TYPE = onnx.AttributeProto.AttributeType;

/** A dimension: a fixed size, or a named symbolic one (`batch`). */
export type Dim = number | string;

/** A float32 tensor value description with the given dims. */
export function floatValueInfo(name: string, dims: readonly Dim[]): ValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: ONNX_FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** Encodes a model; throws when a field does not fit the schema (a bug here, not a user error). */
export function encodeModel(model: ModelProto): Uint8Array {
  const problem = onnx.ModelProto.verify(model);
  if (problem) throw new Error(`onnx: the model does not fit onnx.ModelProto: ${problem}`);
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Decodes ONNX model bytes into plain objects with onnx-proto's (camelCase) field names, int64 as numbers, enums
 * as names and bytes as Uint8Array. For tests and inspection; it checks the wire format, not ONNX semantics.
 */
export function decodeOnnxModel(bytes: Uint8Array): Record<string, unknown> {
  return onnx.ModelProto.toObject(onnx.ModelProto.decode(bytes), { longs: Number, enums: String, defaults: false, arrays: true });
}
