/**
 * Optimisers as objects over a model's parameters, as in PyTorch (`adam(ctx.parameters(), { lr: 1e-3 })`):
 * minimize(loss) appends the gradients and every update to the loss's graph (each parameter's new value, its
 * optimiser state, and the running statistics of the forward passes its parameters came from), and feeds(step)
 * gives the scalars the step reads (learning rate from a number or a schedule; Adam's step count). The update
 * rules are update_rule.ts's, on core's composites. Public. Does not compile or run anything (train_step.ts does).
 */
import { DogoError, grad, type Node } from '@dogo/core';
import type { Parameter } from '../module/parameter.js';
import { buildUpdate, optimizerSlots, roleOf, type OptimizerConfig, type OptimizerKind } from './update_rule.js';
import type { Schedule } from './schedule.js';

/** An optimiser was built or used wrongly (no parameters, minimize called twice, a parameter of another graph). */
export class OptimizerError extends DogoError {}

/** Settings every optimiser takes. */
export interface CommonOptimizerOptions {
  /** Learning rate: a number, or a schedule of the 0-based step (`lrSchedule({ base, totalSteps, warmupSteps })`). */
  lr: number | Schedule;
  /** L2 weight decay (Adam, SGD, LARS) or decoupled decay (AdamW); default 0 (AdamW: 0.01, as PyTorch). */
  weightDecay?: number;
  /** Prefix of this optimiser's feeds, `${name}.lr` and `${name}.step` (default 'optimizer'); distinct per optimiser in one step. */
  name?: string;
}

/** Adam and AdamW settings (PyTorch's defaults). */
export interface AdamOptions extends CommonOptimizerOptions {
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  eps?: number;
}

/** SGD settings. */
export interface SgdOptions extends CommonOptimizerOptions {
  /** Momentum (default 0, as PyTorch). */
  momentum?: number;
}

/** LARS settings (SimCLR's: biases and batch-norm parameters get plain momentum SGD). */
export interface LarsOptions extends CommonOptimizerOptions {
  /** Default 0.9. */
  momentum?: number;
  /** Trust coefficient (default 0.001). */
  eta?: number;
}

/** What minimize() appended to the graph. */
export interface OptimizerStep {
  /** State name -> its value after the step: parameters, optimiser state, running statistics. */
  readonly updates: Readonly<Record<string, Node>>;
  /** Gradient of the loss for each parameter, by name. */
  readonly grads: Readonly<Record<string, Node>>;
}

/** An optimiser over a fixed list of parameters; see the module comment. */
export class Optimizer {
  /** The parameters it updates, in the order given. */
  readonly params: readonly Parameter[];
  /** Names of the scalar feeds the step reads: the learning rate, and the 1-based step count for Adam and AdamW. */
  readonly feedNames: { readonly lr: string; readonly step?: string };
  private built = false;

  constructor(params: Iterable<Parameter>, readonly config: OptimizerConfig, private readonly lr: number | Schedule, name = 'optimizer') {
    this.params = [...params];
    if (this.params.length === 0) throw new OptimizerError(`${config.kind}: no parameters; pass ctx.parameters() after the model's forward pass`);
    const names = new Set<string>();
    for (const p of this.params) {
      if (!p.spec.trainable) throw new OptimizerError(`${config.kind}: "${p.name}" is a running statistic, not a parameter; pass ctx.parameters(), not ctx.buffers()`);
      if (names.has(p.name)) throw new OptimizerError(`${config.kind}: parameter "${p.name}" is given twice`);
      names.add(p.name);
    }
    const usesStep = config.kind === 'adam' || config.kind === 'adamw';
    this.feedNames = { lr: `${name}.lr`, ...(usesStep ? { step: `${name}.step` } : {}) };
  }

  /** The optimiser's state leaves per parameter, as suffixes of its name (`#exp_avg`, `#momentum_buffer`). */
  get slots(): string[] {
    return optimizerSlots(this.config.kind);
  }

  /**
   * Appends grad(loss, parameters) and every update to the loss's graph (once per optimiser), including the
   * running-statistic updates of each parameter's forward pass.
   */
  minimize(loss: Node): OptimizerStep {
    if (this.built) throw new OptimizerError(`${this.config.kind}: minimize() was already called; make one optimiser per training step`);
    const g = loss.graph;
    for (const p of this.params) {
      if (p.node.graph !== g) throw new OptimizerError(`${this.config.kind}: parameter "${p.name}" belongs to another graph than the loss; build the loss from this forward pass`);
    }
    this.built = true;
    const leaves = this.params.map((p) => p.node);
    const grads = grad(loss, leaves);
    const lr = g.input(this.feedNames.lr, [1]);
    const step = () => g.inputs.get(this.feedNames.step!) ?? g.input(this.feedNames.step!, [1]);
    const updates: Record<string, Node> = {};
    // Running statistics first: one Map per forward pass, however many parameters came from it.
    for (const ctx of new Set(this.params.map((p) => p.context.updates))) for (const [name, node] of ctx) updates[name] = node;
    this.params.forEach((p, i) => {
      const u = buildUpdate(g, this.config, p.name, roleOf(p.spec.kind), leaves[i]!, grads[i]!, lr, step);
      updates[p.name] = u.param;
      Object.assign(updates, u.state);
    });
    return { updates, grads: Object.fromEntries(this.params.map((p, i) => [p.name, grads[i]!])) };
  }

  /** Learning rate of step `step` (0-based). */
  learningRate(step: number): number {
    return typeof this.lr === 'number' ? this.lr : this.lr(step);
  }

  /** The scalar feeds of step `step` (0-based): the learning rate and, for Adam and AdamW, the count step + 1. */
  feeds(step: number): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = { [this.feedNames.lr]: Float32Array.of(this.learningRate(step)) };
    if (this.feedNames.step) out[this.feedNames.step] = Float32Array.of(step + 1);
    return out;
  }
}

function make(kind: OptimizerKind, params: Iterable<Parameter>, o: CommonOptimizerOptions, extra: Partial<OptimizerConfig>): Optimizer {
  const base = typeof o.lr === 'number' ? o.lr : o.lr(0);
  if (!(base >= 0) || !Number.isFinite(base)) throw new OptimizerError(`${kind}: lr must be a finite number >= 0, got ${base}`);
  const config: OptimizerConfig = { kind, lr: base, ...extra, ...(o.weightDecay === undefined ? {} : { weightDecay: o.weightDecay }) };
  return new Optimizer(params, config, o.lr, o.name);
}

/** Adam (torch.optim.Adam: weight decay added to the gradient). */
export function adam(params: Iterable<Parameter>, o: AdamOptions): Optimizer {
  return make('adam', params, o, { beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, eps: o.eps ?? 1e-8 });
}

/** AdamW (torch.optim.AdamW: decoupled weight decay, default 0.01). */
export function adamw(params: Iterable<Parameter>, o: AdamOptions): Optimizer {
  return make('adamw', params, { ...o, weightDecay: o.weightDecay ?? 0.01 }, { beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, eps: o.eps ?? 1e-8 });
}

/** SGD with momentum (torch.optim.SGD; momentum 0 by default). */
export function sgd(params: Iterable<Parameter>, o: SgdOptions): Optimizer {
  return make('sgd', params, o, { momentum: o.momentum ?? 0 });
}

/** LARS as in SimCLR: layer-wise trust ratio on weights; biases and batch-norm parameters get momentum SGD without decay. */
export function lars(params: Iterable<Parameter>, o: LarsOptions): Optimizer {
  return make('lars', params, o, { momentum: o.momentum ?? 0.9, eta: o.eta ?? 0.001 });
}
