/**
 * Builds the one compiled DoGo step for a cohort: views, forward of every model on its two views, NT-Xent,
 * the distillation terms between every pair (the peer's side behind stop_gradient), gradients, and every
 * optimiser update, with batch-norm running statistics, as state updates. Both views of a model go through
 * its encoder as one batch of 2N (batch-norm statistics are taken over both views). When this step does not
 * fit the backend's memory, the split step (split_graphs.ts) computes the same losses chunk by chunk.
 */
import { Graph, grad, ops, type Node } from '@dogo/core';
import { buildUpdate } from '../optim/optimizer.js';
import type { CohortConfig } from './cohort_config.js';
import { memberLoss, type MemberHeads } from './cohort_losses.js';
import { IMAGES_FEED, augmentedViews, halves, memberForward, memberParams, viewFeedNames, type ViewBuilder } from './member_forward.js';

export interface CohortStep {
  graph: Graph;
  /**
   * Fetch name -> node: `${model}/loss`, `${model}/ssl`, `${model}/kd`, and `${model}/health`: the sum of
   * squares of the model's updated parameters plus the sum of magnitudes of its other updated state (running
   * statistics, optimiser state), one scalar that is finite exactly when every new value is finite and no
   * parameter's square overflows (|w| below about 1.8e19 in float32). See `healthOf`.
   */
  outputs: Record<string, Node>;
  /** State name -> its new value after the step. */
  updates: Record<string, Node>;
  /**
   * Names of the feeds: raw images, crop boxes (and colour parameters for 1- and 3-channel images) per model and
   * view, learning rate per model, and the 1-based step count (absent when no model's optimiser reads it: SGD, LARS).
   */
  feeds: { images: string; boxes: string[][]; color: string[][]; lr: string[]; step?: string };
  /** Names of each model's trainable parameters (the rest of its state is running statistics and optimiser state). */
  params: Record<string, string[]>;
}

/** The learning-rate feed of member mi. */
export function lrFeed(mi: number): string {
  return `lr.${mi}`;
}

/** The step-count feed (1-based count after this step, for Adam's bias correction). */
export const STEP_FEED = 'step';

/** The step-count input of `g`, made on first use: only Adam and AdamW read it, and a fed input a graph never reads is refused. */
export function stepCountOf(g: Graph): () => Node {
  return () => g.inputs.get(STEP_FEED) ?? g.input(STEP_FEED, [1]);
}

/** The one-graph step; `views` builds each member's views (default: augmented from the raw batch). */
export function buildCohortStep(cfg: CohortConfig, views: ViewBuilder = augmentedViews(cfg)): CohortStep {
  const g = new Graph();
  const n = cfg.batchSize;
  const stepCount = stepCountOf(g);
  const forwards = cfg.members.map((m, mi) => memberForward(g, m, views(g, mi, n)));
  const heads: MemberHeads[] = forwards.map((f) => ({ z: halves(f.proj), ...(f.pred ? { p: halves(f.pred) } : {}) }));

  const outputs: Record<string, Node> = {};
  let total: Node | undefined;
  cfg.members.forEach((m, mi) => {
    const l = memberLoss(cfg, mi, heads);
    outputs[`${m.name}/ssl`] = l.ssl;
    if (l.kd) outputs[`${m.name}/kd`] = l.kd;
    outputs[`${m.name}/loss`] = l.loss;
    // The peer's side of each distillation term is a constant, so the gradient of the sum of all losses
    // with respect to model k's parameters is the gradient of L_k alone: one backward pass serves all.
    total = total ? ops.add(total, l.loss) : l.loss;
  });

  const params = cfg.members.flatMap((m, mi) => memberParams(m).map((p) => ({ ...p, member: mi })));
  const leaves = params.map((p) => g.states.get(p.name)!);
  const grads = grad(total!, leaves);

  const updates: Record<string, Node> = {};
  for (const f of forwards) for (const ctx of f.contexts) for (const [name, node] of ctx.updates) updates[name] = node;
  params.forEach((p, i) => {
    const lr = g.inputs.get(lrFeed(p.member)) ?? g.input(lrFeed(p.member), [1]);
    const u = buildUpdate(g, cfg.members[p.member]!.optimizer, p.name, p.role, leaves[i]!, grads[i]!, lr, stepCount);
    updates[p.name] = u.param;
    Object.assign(updates, u.state);
  });
  const paramNames: Record<string, string[]> = Object.fromEntries(cfg.members.map((m, mi) => [m.name, params.filter((p) => p.member === mi).map((p) => p.name)]));
  for (const m of cfg.members) outputs[`${m.name}/health`] = healthOf(m.name, updates, new Set(paramNames[m.name]));
  const names = viewFeedNames(cfg);
  const feeds = { images: IMAGES_FEED, boxes: names.boxes, color: names.color, lr: cfg.members.map((_, mi) => lrFeed(mi)), ...(g.inputs.has(STEP_FEED) ? { step: STEP_FEED } : {}) };
  return { graph: g, outputs, updates, feeds, params: paramNames };
}

/**
 * One scalar per model that is non-finite when any of its new state is: parameters contribute the sum of their
 * squares (so a weight past about 1.8e19, where float32 squares overflow, counts as diverged), everything else
 * the sum of magnitudes (Adam's second moments may legitimately be large). NaN and Inf survive any sum.
 * `state` maps names to their new values; only those under `${member}.` count.
 */
export function healthOf(member: string, state: Readonly<Record<string, Node>>, params: ReadonlySet<string>): Node {
  const terms = Object.entries(state)
    .filter(([name]) => name.startsWith(`${member}.`))
    .map(([name, node]) => ops.sum(params.has(name) ? ops.square(node) : ops.abs(node)));
  return terms.reduce((a, b) => ops.add(a, b));
}
