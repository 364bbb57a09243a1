/**
 * Optimiser updates as graph ops, so the update runs on the device inside the step. Each returns the new
 * parameter and new state; the caller binds them as state updates. Learning rate and step may be numbers
 * (fixed at build time) or scalar nodes (schedules computed in the graph). Semantics are PyTorch's.
 */
import { ops, type Operand } from '../graph/builder.js';
import type { Node } from '../graph/node.js';

export interface SgdOptions { lr: Operand; momentum: number; weightDecay?: number; nesterov?: boolean }

/** SGD with momentum: d = g + wd·p; buf = momentum·buf + d; p -= lr·(nesterov ? d + momentum·buf : buf). */
export function sgdMomentum(param: Node, grad: Node, buf: Node, o: SgdOptions): { param: Node; buf: Node } {
  const d = o.weightDecay ? ops.add(grad, ops.mul(param, o.weightDecay)) : grad;
  const nextBuf = ops.add(ops.mul(buf, o.momentum), d);
  const dir = o.nesterov ? ops.add(d, ops.mul(nextBuf, o.momentum)) : nextBuf;
  return { param: ops.sub(param, ops.mul(dir, o.lr)), buf: nextBuf };
}

export interface AdamOptions { lr: Operand; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; step: Operand; decoupled: boolean }

/** 1 - beta^step, for a number or a node step. */
function biasCorrection(beta: number, step: Operand): Operand {
  return typeof step === 'number' ? 1 - Math.pow(beta, step) : ops.sub(1, ops.exp(ops.mul(step, Math.log(beta))));
}

/**
 * Adam (decoupled=false: weight decay added to the gradient, torch.optim.Adam) or AdamW (decoupled=true:
 * p *= 1 - lr·wd first). `step` is the 1-based count after this update.
 */
export function adam(param: Node, grad: Node, m: Node, v: Node, o: AdamOptions): { param: Node; m: Node; v: Node } {
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  const wd = o.weightDecay ?? 0;
  let p = param;
  let g = grad;
  if (wd !== 0 && o.decoupled) p = ops.mul(param, typeof o.lr === 'number' ? 1 - o.lr * wd : ops.sub(1, ops.mul(o.lr, wd)));
  if (wd !== 0 && !o.decoupled) g = ops.add(grad, ops.mul(param, wd));
  const nextM = ops.add(ops.mul(m, b1), ops.mul(g, 1 - b1));
  const nextV = ops.add(ops.mul(v, b2), ops.mul(ops.square(g), 1 - b2));
  const bc1 = biasCorrection(b1, o.step);
  const bc2 = biasCorrection(b2, o.step);
  const denom = ops.add(ops.div(ops.sqrt(nextV), typeof bc2 === 'number' ? Math.sqrt(bc2) : ops.sqrt(bc2)), eps);
  const stepSize = typeof bc1 === 'number' && typeof o.lr === 'number' ? o.lr / bc1 : ops.div(o.lr, bc1);
  return { param: ops.sub(p, ops.mul(ops.div(nextM, denom), stepSize)), m: nextM, v: nextV };
}

export interface LarsOptions { lr: Operand; momentum: number; weightDecay?: number; eta: number }

/**
 * SimCLR's LARS for one adapted tensor: d = g + wd·p (wd absent or 0: d = g); trust = eta·|p|/|d| (1 where
 * either norm is 0); buf = momentum·buf + lr·trust·d; p -= buf. Biases and batch-norm parameters use sgdMomentum instead.
 */
export function lars(param: Node, grad: Node, buf: Node, o: LarsOptions): { param: Node; buf: Node } {
  const d = o.weightDecay ? ops.add(grad, ops.mul(param, o.weightDecay)) : grad;
  const pn = ops.sqrt(ops.sum(ops.square(param)));
  const dn = ops.sqrt(ops.sum(ops.square(d)));
  const ok = ops.mul(ops.greater(pn, 0), ops.greater(dn, 0));
  const trust = ops.add(ops.div(ops.mul(ok, ops.mul(pn, o.eta)), ops.add(dn, ops.sub(1, ok))), ops.sub(1, ok));
  const nextBuf = ops.add(ops.mul(buf, o.momentum), ops.mul(ops.mul(d, trust), o.lr));
  return { param: ops.sub(param, nextBuf), buf: nextBuf };
}
