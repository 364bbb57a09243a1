/**
 * Collects the nodes and initializers of one ONNX graph with unique names. Internal. Knows nothing of dogo's
 * modules: module_ops.ts and export_onnx.ts say what to add.
 */
import { ATTRIBUTE_TYPE, ONNX_FLOAT, type AttributeProto, type NodeProto, type TensorProto } from './onnx_proto.js';

/** An attribute value: an integer, a float (tagged, since JavaScript has one number type), or a list of integers. */
export type AttrValue = number | readonly number[] | { float: number };

function attribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError(`onnx: attribute ${name} = ${v} must be an integer (tag floats as {float: x})`);
    return { name, type: ATTRIBUTE_TYPE.INT, i: v };
  }
  if ('float' in v) return { name, type: ATTRIBUTE_TYPE.FLOAT, f: v.float };
  return { name, type: ATTRIBUTE_TYPE.INTS, ints: [...v] };
}

/** Float32 values as ONNX raw data: little-endian bytes whatever the machine. */
function littleEndian(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

export class OnnxGraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly names = new Set<string>();

  /** `base`, or `base_1`, `base_2`, ... the first that no value or node of this graph uses yet. */
  unique(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Keeps `names` for later use by `output` (graph inputs and outputs). */
  reserve(...names: string[]): void {
    for (const n of names) {
      if (this.names.has(n)) throw new RangeError(`onnx: "${n}" is already a value of the graph`);
      this.names.add(n);
    }
  }

  /** A float32 initializer named exactly `name` (a state-dict name); refuses a name already used. */
  initializer(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    this.reserve(name);
    return this.push(name, dims, values);
  }

  /** A float32 initializer named `base`, or `base_1`, ... when that is taken. */
  constant(base: string, dims: readonly number[], values: ArrayLike<number>): string {
    return this.push(this.unique(base), dims, values);
  }

  /** Adds node `opType` named after `name`; returns its output value's name (the node's name). */
  node(opType: string, name: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}): string {
    return this.add(opType, this.unique(name), inputs, attrs);
  }

  /** Adds node `opType` whose output is the reserved name `output` exactly (a graph output). */
  output(opType: string, output: string, inputs: readonly string[]): string {
    if (!this.names.has(output)) throw new RangeError(`onnx: reserve "${output}" before using it as an output`);
    return this.add(opType, output, inputs, {});
  }

  private add(opType: string, out: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>>): string {
    this.nodes.push({ name: out, opType, input: [...inputs], output: [out], attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
    return out;
  }

  private push(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new RangeError(`onnx: initializer "${name}" has ${values.length} values for dims [${dims.join(', ')}]`);
    this.initializers.push({ name, dims: [...dims], dataType: ONNX_FLOAT, rawData: littleEndian(values) });
    return name;
  }
}
