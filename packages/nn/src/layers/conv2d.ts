/** Conv2d as torch.nn.Conv2d (square kernel, no groups, no dilation), initialised as torchvision's ResNet. Public. */
import { ShapeError, formatShape, ops, type Node } from '@dogo/core';
import { Module } from '../module/module.js';
import type { ForwardContext } from '../module/forward_context.js';
import { ParamSpec } from '../module/param_spec.js';
import { fanInUniform, kaimingNormalFanOut } from '../module/init.js';

export class Conv2d extends Module {
  readonly weight: ParamSpec;
  readonly bias: ParamSpec | undefined;

  /**
   * Weight [out, in, k, k] ~ kaiming_normal_(mode='fan_out', nonlinearity='relu'); the optional bias [out] keeps
   * PyTorch's default U(±1/sqrt(fan_in)) (torchvision's ResNet convolutions have none).
   */
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    readonly stride = 1,
    readonly padding = 0,
    bias = false,
  ) {
    super();
    this.weight = this.addParam(new ParamSpec('weight', [outChannels, inChannels, kernelSize, kernelSize], 'weight', kaimingNormalFanOut));
    this.bias = bias ? this.addParam(new ParamSpec('bias', [outChannels], 'bias', fanInUniform(inChannels * kernelSize * kernelSize))) : undefined;
  }

  forward(ctx: ForwardContext, x: Node): Node {
    if (x.rank !== 4 || x.shape[1] !== this.inChannels) {
      throw new ShapeError(`Conv2d(${this.inChannels}, ${this.outChannels}) at "${ctx.path || '<root>'}": input must be [N,${this.inChannels},H,W], got ${formatShape(x.shape)}`);
    }
    const s = [this.stride, this.stride];
    const p = [this.padding, this.padding];
    return ops.conv2d(x, ctx.param(this.weight), { stride: s, padding: p }, this.bias && ctx.param(this.bias));
  }
}
