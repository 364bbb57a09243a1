/**
 * Neural-network functions written from primitive ops, so autodiff differentiates them with no gradient code
 * of their own: linear, batch norm, softmax, log-softmax, L2 normalisation, cross entropy, global pooling.
 * Semantics are PyTorch's (torch.nn.functional).
 */
import { ops } from '../graph/builder.js';
import type { Node } from '../graph/node.js';
import { ShapeError } from '../errors.js';
import { formatShape } from '../shape.js';

/** y = x · weightᵀ + bias, weight [out, in] as torch.nn.Linear. */
export function linear(x: Node, weight: Node, bias?: Node): Node {
  const y = ops.matmul(x, weight, { transposeB: true });
  return bias ? ops.add(y, bias) : y;
}

/** Row-wise softmax over the last axis, shifted by the (constant) row maximum for stability. */
export function softmax(x: Node, axis = -1): Node {
  const ax = axis < 0 ? x.rank + axis : axis;
  const e = ops.exp(ops.sub(x, ops.stopGradient(ops.max(x, [ax], true))));
  return ops.div(e, ops.sum(e, [ax], true));
}

export function logSoftmax(x: Node, axis = -1): Node {
  const ax = axis < 0 ? x.rank + axis : axis;
  const shifted = ops.sub(x, ops.stopGradient(ops.max(x, [ax], true)));
  return ops.sub(shifted, ops.log(ops.sum(ops.exp(shifted), [ax], true)));
}

/** x / max(||x||₂, eps) along `axis`, as torch.nn.functional.normalize. */
export function l2Normalize(x: Node, eps = 1e-12, axis = -1): Node {
  const ax = axis < 0 ? x.rank + axis : axis;
  const norm = ops.sqrt(ops.sum(ops.square(x), [ax], true));
  return ops.div(x, ops.maximum(norm, eps));
}

/** Mean cross entropy of logits [N, C] against int32 class indices [N]. */
export function crossEntropy(logits: Node, labels: Node): Node {
  if (logits.rank !== 2 || labels.rank !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw new ShapeError(`cross_entropy: logits must be [N,C] and labels [N], got ${formatShape(logits.shape)} and ${formatShape(labels.shape)}`);
  }
  const picked = ops.sum(ops.mul(ops.oneHot(labels, logits.shape[1]!), logSoftmax(logits)));
  return ops.reshape(ops.mul(picked, -1 / logits.shape[0]!), [1]);
}

/** Mean over H and W: [N,C,H,W] -> [N,C]. */
export function globalAvgPool(x: Node): Node {
  return ops.mean(x, [2, 3]);
}

export interface BatchNormOptions {
  training: boolean;
  momentum?: number;
  eps?: number;
}

export interface BatchNormResult {
  y: Node;
  /** New running statistics (training only; in eval mode they are the inputs). */
  runningMean: Node;
  runningVar: Node;
}

/**
 * Batch normalisation over every axis but 1 (channels), for [N,C] and [N,C,H,W]. Training normalises with the
 * biased batch variance and updates running_var with the unbiased one, as PyTorch does.
 */
export function batchNorm(x: Node, gamma: Node, beta: Node, runningMean: Node, runningVar: Node, o: BatchNormOptions): BatchNormResult {
  const c = x.shape[1];
  if (x.rank < 2 || [gamma, beta, runningMean, runningVar].some((p) => p.rank !== 1 || p.shape[0] !== c)) {
    throw new ShapeError(`batch_norm: x must be [N,C,...] with gamma, beta, running stats [C]; got x ${formatShape(x.shape)}, gamma ${formatShape(gamma.shape)}`);
  }
  const eps = o.eps ?? 1e-5;
  const momentum = o.momentum ?? 0.1;
  const pshape = x.shape.map((d, i) => (i === 1 ? d : 1));
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const per = (p: Node) => ops.reshape(p, pshape);
  if (!o.training) {
    const scale = ops.mul(per(gamma), ops.rsqrt(ops.add(per(runningVar), eps)));
    const y = ops.add(ops.mul(ops.sub(x, per(runningMean)), scale), per(beta));
    return { y, runningMean, runningVar };
  }
  const count = axes.reduce((p, a) => p * x.shape[a]!, 1);
  // mean and biased variance in one op (one kernel on every backend): stats [2, ...pshape]
  const stats = ops.moments(x, axes);
  const stat = (k: number) => ops.reshape(ops.slice(stats, [k, ...pshape.map(() => 0)], [1, ...pshape]), pshape);
  const mean = stat(0);
  const variance = stat(1);
  const y = ops.add(ops.mul(ops.mul(ops.sub(x, mean), ops.rsqrt(ops.add(variance, eps))), per(gamma)), per(beta));
  const batchMean = ops.stopGradient(ops.reshape(mean, [c!]));
  const unbiased = ops.stopGradient(ops.mul(ops.reshape(variance, [c!]), count / Math.max(count - 1, 1)));
  return {
    y,
    runningMean: ops.add(ops.mul(runningMean, 1 - momentum), ops.mul(batchMean, momentum)),
    runningVar: ops.add(ops.mul(runningVar, 1 - momentum), ops.mul(unbiased, momentum)),
  };
}
