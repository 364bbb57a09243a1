/** Pooling layers: MaxPool2d, AvgPool2d and GlobalAvgPool (which also flattens to [N,C]). Public. */
import { ShapeError, formatShape, globalAvgPool, ops, type Node } from '@dogo/core';
import { Module } from '../module/module.js';
import type { ForwardContext } from '../module/forward_context.js';

/** torch.nn.MaxPool2d(kernel, stride = kernel, padding); padding counts as -inf. */
export class MaxPool2d extends Module {
  constructor(readonly kernelSize: number, readonly stride = kernelSize, readonly padding = 0) {
    super();
  }

  forward(_ctx: ForwardContext, x: Node): Node {
    return ops.maxPool2d(x, { kernel: [this.kernelSize, this.kernelSize], stride: [this.stride, this.stride], padding: [this.padding, this.padding] });
  }
}

/** torch.nn.AvgPool2d(kernel, stride = kernel, padding) with count_include_pad=True. */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: number, readonly stride = kernelSize, readonly padding = 0) {
    super();
  }

  forward(_ctx: ForwardContext, x: Node): Node {
    return ops.avgPool2d(x, { kernel: [this.kernelSize, this.kernelSize], stride: [this.stride, this.stride], padding: [this.padding, this.padding] });
  }
}

/** Mean over H and W, flattened: [N,C,H,W] -> [N,C] (AdaptiveAvgPool2d(1) then flatten(1)). */
export class GlobalAvgPool extends Module {
  forward(ctx: ForwardContext, x: Node): Node {
    if (x.rank !== 4) throw new ShapeError(`GlobalAvgPool at "${ctx.path || '<root>'}": input must be [N,C,H,W], got ${formatShape(x.shape)}`);
    return globalAvgPool(x);
  }
}
