/**
 * Optimiser configuration and the graph nodes of one parameter's update. The update runs on the device as
 * part of the step; the learning rate and step count are fed as scalars each step.
 */
import { adam, lars, sgdMomentum, type Graph, type Node } from '@dogo/core';

export type OptimizerKind = 'adam' | 'adamw' | 'sgd' | 'lars';

export interface OptimizerConfig {
  kind: OptimizerKind;
  lr: number;
  /** L2 (Adam, SGD, LARS) or decoupled (AdamW) weight decay; absent means 0. */
  weightDecay?: number;
  /** SGD and LARS momentum (default 0.9). */
  momentum?: number;
  /** Adam betas (default 0.9, 0.999) and eps (1e-8). */
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** LARS trust coefficient (default 0.001). */
  eta?: number;
  warmupSteps?: number;
  schedule?: 'cosine' | 'constant';
}

/** DoGo's released setting: Adam, lr 3e-4, weight decay 1e-6, constant rate. */
export const DEFAULT_OPTIMIZER: OptimizerConfig = { kind: 'adam', lr: 3e-4, weightDecay: 1e-6, schedule: 'constant' };

/** What a parameter is, for LARS's exclusions (biases and batch-norm parameters are not adapted). */
export type ParamRole = 'weight' | 'bias' | 'bn_weight' | 'bn_bias';

export interface ParamUpdate {
  param: Node;
  /** New values of optimiser state leaves, by state name. */
  state: Record<string, Node>;
}

/** State leaves this optimiser keeps per parameter, as suffixes of the parameter's state name. */
export function optimizerSlots(kind: OptimizerKind): string[] {
  return kind === 'adam' || kind === 'adamw' ? ['#exp_avg', '#exp_avg_sq'] : ['#momentum_buffer'];
}

/**
 * Builds the update of one parameter. `lr` is a scalar input node; `step` makes (or returns) the scalar
 * step-count input, called only by optimisers that read it, so a step of SGD or LARS models has no such input.
 */
export function buildUpdate(g: Graph, cfg: OptimizerConfig, name: string, role: ParamRole, param: Node, grad: Node, lr: Node, step: () => Node): ParamUpdate {
  const st = (suffix: string) => g.state(name + suffix, param.shape);
  const weightDecay = cfg.weightDecay ?? 0;
  switch (cfg.kind) {
    case 'adam':
    case 'adamw': {
      const m = st('#exp_avg');
      const v = st('#exp_avg_sq');
      const r = adam(param, grad, m, v, {
        lr, step: step(), decoupled: cfg.kind === 'adamw', weightDecay, beta1: cfg.beta1 ?? 0.9, beta2: cfg.beta2 ?? 0.999, eps: cfg.eps ?? 1e-8,
      });
      return { param: r.param, state: { [name + '#exp_avg']: r.m, [name + '#exp_avg_sq']: r.v } };
    }
    case 'sgd': {
      const buf = st('#momentum_buffer');
      const r = sgdMomentum(param, grad, buf, { lr, momentum: cfg.momentum ?? 0.9, weightDecay });
      return { param: r.param, state: { [name + '#momentum_buffer']: r.buf } };
    }
    case 'lars': {
      const buf = st('#momentum_buffer');
      // SimCLR's LARS: biases and batch-norm parameters get plain momentum SGD, no decay, no adaptation.
      const r = role === 'weight'
        ? lars(param, grad, buf, { lr, momentum: cfg.momentum ?? 0.9, weightDecay, eta: cfg.eta ?? 0.001 })
        : sgdMomentum(param, grad, buf, { lr, momentum: cfg.momentum ?? 0.9 });
      return { param: r.param, state: { [name + '#momentum_buffer']: r.buf } };
    }
  }
}
