/**
 * BatchNorm1d ([N,C]) and BatchNorm2d ([N,C,H,W]) as torch.nn, on core's `batchNorm` composite. Public.
 * Training mode normalises with batch statistics and registers the new running_mean / running_var as state
 * updates on the context; eval mode normalises with the running statistics. No num_batches_tracked buffer:
 * with a fixed momentum PyTorch never reads it.
 */
import { ShapeError, batchNorm, formatShape, type Node } from '@dogo/core';
import { Module } from '../module/module.js';
import type { ForwardContext } from '../module/forward_context.js';
import { ParamSpec } from '../module/param_spec.js';
import { constantInit } from '../module/init.js';

abstract class BatchNorm extends Module {
  /** Absent when `affine` is false (torch's affine=False: no weight or bias). */
  readonly weight: ParamSpec | undefined;
  readonly bias: ParamSpec | undefined;
  readonly runningMean: ParamSpec;
  readonly runningVar: ParamSpec;
  protected abstract readonly inputRank: number;
  /** PyTorch's class name, for messages. */
  protected abstract readonly kind: string;

  constructor(readonly numFeatures: number, readonly eps = 1e-5, readonly momentum = 0.1, readonly affine = true) {
    super();
    const c = [numFeatures];
    this.weight = affine ? this.addParam(new ParamSpec('weight', c, 'bn_weight', constantInit(1))) : undefined;
    this.bias = affine ? this.addParam(new ParamSpec('bias', c, 'bn_bias', constantInit(0))) : undefined;
    this.runningMean = this.addParam(new ParamSpec('running_mean', c, 'running_mean', constantInit(0)));
    this.runningVar = this.addParam(new ParamSpec('running_var', c, 'running_var', constantInit(1)));
  }

  forward(ctx: ForwardContext, x: Node): Node {
    if (x.rank !== this.inputRank || x.shape[1] !== this.numFeatures) {
      const want = this.inputRank === 2 ? `[N,${this.numFeatures}]` : `[N,${this.numFeatures},H,W]`;
      throw new ShapeError(`${this.kind}(${this.numFeatures}${this.affine ? '' : ', affine=False'}) at "${ctx.path || '<root>'}": input must be ${want}, got ${formatShape(x.shape)}`);
    }
    // Without affine parameters, constant gamma = 1 and beta = 0 are fills, not state, so nothing trains them.
    const c = [this.numFeatures];
    const gamma = this.weight ? ctx.param(this.weight) : ctx.graph.fill(1, c);
    const beta = this.bias ? ctx.param(this.bias) : ctx.graph.fill(0, c);
    const r = batchNorm(x, gamma, beta, ctx.buffer(this.runningMean), ctx.buffer(this.runningVar), {
      training: ctx.training,
      eps: this.eps,
      momentum: this.momentum,
    });
    if (ctx.training) {
      ctx.setUpdate(this.runningMean, r.runningMean);
      ctx.setUpdate(this.runningVar, r.runningVar);
    }
    return r.y;
  }
}

/** Batch norm over [N, C] (features). */
export class BatchNorm1d extends BatchNorm {
  protected readonly inputRank = 2;
  protected readonly kind = 'BatchNorm1d';
}

/** Batch norm over [N, C, H, W] (per channel). */
export class BatchNorm2d extends BatchNorm {
  protected readonly inputRank = 4;
  protected readonly kind = 'BatchNorm2d';
}
