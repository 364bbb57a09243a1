/**
 * The op-to-ONNX tables. Internal. `LAYER_OPS`: each @dogo/nn layer a model calls (Conv2d, BatchNorm1d/2d,
 * ReLU, MaxPool2d, AvgPool2d, GlobalAvgPool, Linear) and the ONNX operators (opset 17) that compute it as
 * PyTorch's eval mode does, weights as initializers named by their state-dict names. `GLUE_OPS`: the core
 * primitives modules apply between layers (a residual block's `add`, a bare `relu`). Composite modules
 * (Sequential, blocks, ResNet, heads) need no row: the exporter follows their forward pass through the layers
 * they call. A layer or primitive with no row is refused by name (export_onnx.ts).
 */
import type { Node } from '@dogo/core';
import { AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, GlobalAvgPool, Linear, MaxPool2d, ReLU, type ModuleCall, type ParamSpec } from '@dogo/nn';
import type { OnnxGraphBuilder } from './graph_builder.js';

/** What a row gets: the builder, the call being exported, its input's value name and a way to add weights. */
export interface LayerEmit {
  readonly b: OnnxGraphBuilder;
  readonly call: ModuleCall;
  /** ONNX value name of the layer's input. */
  readonly input: string;
  /** The layer's name in the graph: its state-name prefix and module path (`layer1.0.conv1`, `head.0`). */
  readonly name: string;
  /** Adds the value of `spec` (this layer's tensor) as an initializer named by its state name; returns the name. */
  param(spec: ParamSpec): string;
  /** Adds a constant tensor named after this layer (`<path>.<suffix>`); returns its name. */
  constant(suffix: string, dims: readonly number[], values: ArrayLike<number>): string;
}

/** One layer type and its ONNX form; `emit` (given an instance of `layer`) returns the output value's name. */
export interface LayerOp {
  readonly layer: abstract new (...args: never[]) => object;
  emit(module: object, e: LayerEmit): string;
}

/** A row; `layerOpFor` hands `emit` only instances of `layer`, which makes the narrowing below sound. */
const layerOp = <M extends object>(layer: abstract new (...args: never[]) => M, emit: (module: M, e: LayerEmit) => string): LayerOp => ({
  layer, emit: (module, e) => emit(module as M, e),
});

const square = (k: number) => [k, k];
const pads = (p: number) => [p, p, p, p];

function batchNorm(m: BatchNorm1d | BatchNorm2d, e: LayerEmit): string {
  const c = m.numFeatures;
  // affine=False: PyTorch computes with weight 1 and bias 0; ONNX's BatchNormalization needs them as inputs.
  const scale = m.weight ? e.param(m.weight) : e.constant('weight_ones', [c], new Float32Array(c).fill(1));
  const bias = m.bias ? e.param(m.bias) : e.constant('bias_zeros', [c], new Float32Array(c));
  // ONNX's momentum weighs the old running value (1 - PyTorch's); inference does not read it.
  return e.b.node('BatchNormalization', e.name, [e.input, scale, bias, e.param(m.runningMean), e.param(m.runningVar)], {
    epsilon: { float: m.eps }, momentum: { float: 1 - m.momentum },
  });
}

/** Layers, most specific first (a subclass such as LinearClassifier matches its base's row). */
export const LAYER_OPS: readonly LayerOp[] = [
  layerOp(Conv2d, (m, e) => e.b.node('Conv', e.name, [e.input, e.param(m.weight), ...(m.bias ? [e.param(m.bias)] : [])], {
    kernel_shape: square(m.kernelSize), strides: square(m.stride), pads: pads(m.padding), dilations: [1, 1], group: 1,
  })),
  layerOp(BatchNorm2d, batchNorm),
  layerOp(BatchNorm1d, batchNorm),
  layerOp(ReLU, (_m, e) => e.b.node('Relu', e.name, [e.input])),
  layerOp(MaxPool2d, (m, e) => e.b.node('MaxPool', e.name, [e.input], { kernel_shape: square(m.kernelSize), strides: square(m.stride), pads: pads(m.padding) })),
  layerOp(AvgPool2d, (m, e) => e.b.node('AveragePool', e.name, [e.input], {
    kernel_shape: square(m.kernelSize), strides: square(m.stride), pads: pads(m.padding), count_include_pad: 1,
  })),
  // [N,C,H,W] -> [N,C]: PyTorch's AdaptiveAvgPool2d(1) then flatten(1).
  layerOp(GlobalAvgPool, (_m, e) => e.b.node('Flatten', `${e.name}.flatten`, [e.b.node('GlobalAveragePool', e.name, [e.input])], { axis: 1 })),
  layerOp(Linear, (m, e) => e.b.node('Gemm', e.name, [e.input, e.param(m.weight), ...(m.bias ? [e.param(m.bias)] : [])], { transB: 1 })),
];

/** The row for a module, or undefined when it is not a layer of the table (a composite, or unsupported). */
export function layerOpFor(module: unknown): LayerOp | undefined {
  return LAYER_OPS.find((op) => module instanceof op.layer);
}

/** A primitive applied between layers: its ONNX operator, on the ONNX names of the node's inputs. */
export interface GlueOp {
  readonly onnx: string;
  /** Inputs the op takes (all must be values the exporter reaches: layer outputs, glue ops, the image input). */
  readonly arity: number;
}

/** Core primitives allowed between layers, by core op name. */
export const GLUE_OPS: Readonly<Record<string, GlueOp>> = {
  add: { onnx: 'Add', arity: 2 },
  relu: { onnx: 'Relu', arity: 1 },
};

/** The glue row for a node, or undefined. */
export function glueOpFor(node: Node): GlueOp | undefined {
  return Object.hasOwn(GLUE_OPS, node.op) ? GLUE_OPS[node.op] : undefined;
}
