/** Linear as torch.nn.Linear: y = x·Wᵀ + b, W [out, in], with PyTorch's default initialisation. Public. */
import { ShapeError, formatShape, linear, type Node } from '@dogo/core';
import { Module } from '../module/module.js';
import type { ForwardContext } from '../module/forward_context.js';
import { ParamSpec } from '../module/param_spec.js';
import { fanInUniform } from '../module/init.js';

export class Linear extends Module {
  readonly weight: ParamSpec;
  readonly bias: ParamSpec | undefined;

  /** Weight and bias ~ U(±1/sqrt(in)) (reset_parameters: kaiming_uniform_ with a = sqrt(5), then the bias bound). */
  constructor(readonly inFeatures: number, readonly outFeatures: number, bias = true) {
    super();
    this.weight = this.addParam(new ParamSpec('weight', [outFeatures, inFeatures], 'weight', fanInUniform(inFeatures)));
    this.bias = bias ? this.addParam(new ParamSpec('bias', [outFeatures], 'bias', fanInUniform(inFeatures))) : undefined;
  }

  forward(ctx: ForwardContext, x: Node): Node {
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) {
      throw new ShapeError(`Linear(${this.inFeatures}, ${this.outFeatures}) at "${ctx.path || '<root>'}": input must be [N,${this.inFeatures}], got ${formatShape(x.shape)}`);
    }
    return linear(x, ctx.param(this.weight), this.bias && ctx.param(this.bias));
  }
}
