/**
 * ONNX export of an encoder (and optionally a head on its features) from the model definition. Public.
 * The exporter runs the modules' eval-mode forward pass once on a throw-away graph, watching every layer call
 * (ForwardContext's `onCall`), then walks back from the output: each layer becomes its ONNX operators
 * (module_ops.ts), each primitive between layers its glue operator, and the weights become initializers named
 * by their state-dict names (`conv1.weight`, `head.0.weight`). The model takes pixel values 0..255,
 * float32 [batch, C, H, W] with a dynamic batch, and normalises them itself, as dogo does before the encoder.
 * Opset 17, IR version 8. It does not fold batch norms (ONNX Runtime fuses Conv + BatchNormalization itself).
 */
import { DogoError, Graph, type Node } from '@dogo/core';
import { ForwardContext, type InputNormalization, type Module, type ModuleCall } from '@dogo/nn';
import { OnnxGraphBuilder } from './graph_builder.js';
import { glueOpFor, layerOpFor } from './module_ops.js';
import { encodeModel, floatValueInfo, type ModelProto } from './onnx_proto.js';

/** The model cannot be exported: a layer or primitive without a row, or weights that do not fit. */
export class OnnxExportError extends DogoError {}

/** The opset every exported model imports (ONNX 1.12); the operators used exist unchanged up to the newest. */
export const ONNX_OPSET = 17;
/** The IR version that goes with opset 17. */
export const ONNX_IR_VERSION = 8;

export interface OnnxExportOptions {
  /** Maps normalised images [N, C, H, W] to features [N, D]: a ResNet encoder, or any module made of the table's layers. */
  encoder: Module;
  /** The encoder's values by its own state-dict names. */
  weights: Readonly<Record<string, ArrayLike<number>>>;
  /** [C, H, W] of one image. H and W are fixed in the model; the batch is dynamic. */
  imageShape: readonly [number, number, number];
  /** (x / 255 - mean) / std per channel, applied inside the model. */
  normalization: InputNormalization;
  /** Also output the head's projections of the features (`projection`); its values by its own names. */
  head?: { module: Module; weights: Readonly<Record<string, ArrayLike<number>>> };
  /** Recorded as the model's metadata_props (the encoder metadata: layout and normalisation). */
  metadata?: Readonly<Record<string, string>>;
  /** The graph's name (default `dogo_encoder`). */
  name?: string;
  /** producer_version (default dogo's package version). */
  producerVersion?: string;
}

/** Input and output names of every exported model. */
export const ONNX_NAMES = { input: 'pixels', features: 'features', projection: 'projection' } as const;

/** Builds the model; returns its serialised bytes (a `.onnx` file). */
export function exportOnnx(o: OnnxExportOptions): Uint8Array {
  const [c, h, w] = o.imageShape;
  const { mean, std } = o.normalization;
  if (mean.length !== c || std.length !== c) throw new OnnxExportError(`onnx: normalisation has ${mean.length} means and ${std.length} stds for ${c} channels`);
  const b = new OnnxGraphBuilder();
  b.reserve(ONNX_NAMES.input, ONNX_NAMES.features, ONNX_NAMES.projection);
  const values: Record<string, ArrayLike<number>> = { ...o.weights };
  if (o.head) for (const [k, v] of Object.entries(o.head.weights)) values[`head.${k}`] = v;

  // The image normalisation, as normalizePixels builds it: one multiply and one add per channel.
  const scale = b.initializer('input_scale', [1, c, 1, 1], std.map((s) => 1 / (255 * s)));
  const shift = b.initializer('input_shift', [1, c, 1, 1], mean.map((m, i) => -m / std[i]!));
  const normalized = b.node('Add', 'normalized', [b.node('Mul', 'scaled', [ONNX_NAMES.input, scale]), shift]);

  // Trace: one eval-mode forward pass of a single image, recording every layer call by its output node.
  const g = new Graph();
  const x = g.input('normalized', [1, c, h, w]);
  const calls = new Map<Node, ModuleCall>();
  const onCall = (call: ModuleCall) => {
    // Innermost first: a Sequential's output is its last layer's, which keeps the entry.
    if (layerOpFor(call.module) && !calls.has(call.output)) calls.set(call.output, call);
  };
  const features = o.encoder.forward(new ForwardContext(g, { training: false, onCall }), x);
  if (features.rank !== 2) throw new OnnxExportError(`onnx: the encoder's output is ${features.rank}-dimensional; it must be features [N, D]`);
  const projection = o.head ? o.head.module.forward(new ForwardContext(g, { training: false, prefix: 'head.', onCall }), features) : undefined;

  const names = new Map<Node, string>([[x, normalized]]);
  const emit = (node: Node): string => {
    const known = names.get(node);
    if (known !== undefined) return known;
    const call = calls.get(node);
    let out: string;
    if (call) {
      const input = emit(call.input);
      out = layerOpFor(call.module)!.emit(call.module, {
        b, call, input, name: `${call.ctx.prefix}${call.path}`,
        param: (spec) => {
          const name = call.ctx.stateName(spec);
          const v = values[name];
          if (v === undefined) throw new OnnxExportError(`onnx: no value for "${name}"; pass every tensor of the model's state dict`);
          return b.initializer(name, spec.shape, v);
        },
        constant: (suffix, dims, v) => b.constant(`${call.ctx.prefix}${call.path}.${suffix}`, dims, v),
      });
    } else {
      const glue = glueOpFor(node);
      if (!glue || node.inputs.length !== glue.arity) {
        throw new OnnxExportError(
          `onnx: cannot export ${node} (op "${node.op}"${node.label ? ` in ${node.label}` : ''}): only the layers Conv2d, BatchNorm1d/2d, ReLU, MaxPool2d, AvgPool2d, ` +
          'GlobalAvgPool and Linear, and add/relu between them, have an ONNX form; add a row to packages/onnx/src/module_ops.ts',
        );
      }
      const inputs = node.inputs.map(emit);
      out = b.node(glue.onnx, node.label ?? node.op, inputs);
    }
    names.set(node, out);
    return out;
  };
  const outputs = [{ name: ONNX_NAMES.features, node: features }, ...(projection ? [{ name: ONNX_NAMES.projection, node: projection }] : [])];
  for (const { name, node } of outputs) b.output('Identity', name, [emit(node)]);
  const unused = Object.keys(values).filter((k) => !b.initializers.some((t) => t.name === k));
  if (unused.length) throw new OnnxExportError(`onnx: values given for tensors the model does not use: ${unused.slice(0, 5).join(', ')}${unused.length > 5 ? ', ...' : ''}`);

  const model: ModelProto = {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'dogo',
    producerVersion: o.producerVersion ?? '0.1.0',
    docString: `Input "${ONNX_NAMES.input}": pixel values 0..255, float32 [batch, ${c}, ${h}, ${w}], normalised inside. Output "${ONNX_NAMES.features}": encoder features` +
      (projection ? `; "${ONNX_NAMES.projection}": the projection head on them.` : '.'),
    graph: {
      name: o.name ?? 'dogo_encoder',
      node: b.nodes,
      initializer: b.initializers,
      input: [floatValueInfo(ONNX_NAMES.input, ['batch', c, h, w])],
      output: outputs.map(({ name, node }) => floatValueInfo(name, ['batch', node.shape[1]!])),
    },
    metadataProps: Object.entries(o.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  return encodeModel(model);
}
