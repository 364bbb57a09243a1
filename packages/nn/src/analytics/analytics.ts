/**
 * Model size and cost: parameter counts (as `sum(p.numel() for p in model.parameters())`) and forward FLOPs per
 * image, counted from the graph the model builds, so they describe exactly what runs. Public.
 * FLOPs are 2 x multiply-adds of convolutions and matrix products only (the usual convention); batch norms,
 * activations, pooling and additions are left out.
 */
import { Graph, matmulDims, sizeOf, type MatmulAttrs, type Node } from '@dogo/core';
import { ForwardContext } from '../module/forward_context.js';
import type { Module } from '../module/module.js';

/** Trainable parameters of `model`; with `includeBuffers`, running statistics too. */
export function countParameters(model: Module, options: { includeBuffers?: boolean } = {}): number {
  let n = 0;
  for (const [, spec] of model.namedParameters()) if (spec.trainable || options.includeBuffers) n += spec.size;
  return n;
}

/** Multiply-adds of one conv2d or matmul node (0 for any other op). */
export function nodeMacs(node: Node): number {
  if (node.op === 'conv2d') {
    const [, c, kh, kw] = node.inputs[1]!.shape as [number, number, number, number];
    return sizeOf(node.shape) * c * kh * kw;
  }
  if (node.op === 'matmul') {
    const { m, k, n } = matmulDims(node.inputs[0]!.shape, node.inputs[1]!.shape, node.attrs as unknown as MatmulAttrs);
    return m * k * n;
  }
  return 0;
}

/** Forward FLOPs of `model` for one image of `inputShape` [C, H, W] (eval mode): 2 x conv and linear multiply-adds. */
export function forwardFlops(model: Module, inputShape: readonly [number, number, number] | readonly number[]): number {
  if (inputShape.length !== 3) throw new RangeError(`forwardFlops: inputShape must be [C, H, W], got [${inputShape.join(',')}]`);
  const g = new Graph();
  model.forward(new ForwardContext(g, { training: false }), g.input('x', [1, ...inputShape]));
  let macs = 0;
  for (const node of g.nodes) macs += nodeMacs(node);
  return 2 * macs;
}
