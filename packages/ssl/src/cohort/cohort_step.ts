/**
 * Builds the one compiled DoGo step for a cohort: views, forward of every model on its two views, NT-Xent,
 * the distillation terms between every pair (the peer's side behind stop_gradient), gradients, and every
 * optimiser update, with batch-norm running statistics, as state updates. Both views of a model go through
 * its encoder as one batch of 2N (batch-norm statistics are taken over both views).
 *
 * Mixed cohorts: a SimSiam member's self-supervised loss is the negative cosine between its predictor outputs
 * and the other view's (stopped) projections. Distillation compares each model's last head outputs (SimCLR:
 * projections; SimSiam: predictor outputs), except between two SimSiam models, where each model's predictor
 * outputs are distilled toward the peer's projector outputs, both ways.
 */
import { Graph, dogoKl, grad, ntXent, ops, simsiamLoss, type Node } from '@dogo/core';
import { ForwardContext } from '@dogo/nn';
import { augmentedView } from '../augment/views.js';
import { buildUpdate, type ParamRole } from '../optim/optimizer.js';
import { DEFAULT_KD_TEMPERATURE, DEFAULT_TEMPERATURE, type CohortConfig } from './cohort_config.js';

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

/** Names of the boxes feeds: boxesFeed(m, v) for model m's view v (shared views use model 0's). */
export function boxesFeed(model: number, view: number): string {
  return `boxes.${model}.${view}`;
}

/** Names of the colour-parameter feeds, beside the boxes (1- and 3-channel images; grayscale ones use brightness and contrast). */
export function colorFeed(model: number, view: number): string {
  return `color.${model}.${view}`;
}

function roleOf(kind: string): ParamRole {
  return kind === 'bias' || kind === 'bn_weight' || kind === 'bn_bias' ? (kind as ParamRole) : 'weight';
}

export function buildCohortStep(cfg: CohortConfig): CohortStep {
  const g = new Graph();
  const n = cfg.batchSize;
  const [c, h, w] = cfg.imageShape;
  const raw = g.input('images', [n, c, h, w]);
  // Made on first use: only Adam and AdamW read the step count, and a fed input the step never reads is refused.
  const stepCount = () => g.inputs.get('step') ?? g.input('step', [1]);
  const k = cfg.members.length;
  const boxes: string[][] = [];
  const colors: string[][] = [];
  const z: { a: Node; b: Node }[] = [];
  /** SimSiam members' predictor outputs per view. */
  const p: ({ a: Node; b: Node } | undefined)[] = [];
  const contexts: ForwardContext[][] = [];
  const lrs: string[] = [];

  cfg.members.forEach((m, mi) => {
    const viewModel = cfg.sharedViews ? 0 : mi;
    const names = [boxesFeed(viewModel, 0), boxesFeed(viewModel, 1)];
    const colorNames = c === 1 || c === 3 ? [colorFeed(viewModel, 0), colorFeed(viewModel, 1)] : [];
    boxes.push(names);
    colors.push(colorNames);
    const leaf = (name: string, cols: number) => g.inputs.get(name) ?? g.input(name, [n, cols]);
    const views = names.map((b, v) => augmentedView(raw, leaf(b, 5), cfg.normalization, colorNames[v] ? leaf(colorNames[v]!, 6) : undefined));
    const enc = new ForwardContext(g, { training: true, prefix: `${m.name}.encoder.` });
    const head = new ForwardContext(g, { training: true, prefix: `${m.name}.head.` });
    const proj = g.scope(m.name, () => m.head.forward(head, m.encoder.forward(enc, ops.concat(views, 0))));
    const halves = (x: Node) => ({ a: ops.slice(x, [0, 0], [n, x.shape[1]!]), b: ops.slice(x, [n, 0], [n, x.shape[1]!]) });
    z.push(halves(proj));
    const ctxs = [enc, head];
    if ((m.objective ?? 'simclr') === 'simsiam') {
      if (!m.predictor) throw new RangeError(`cohort: SimSiam member "${m.name}" needs a predictor`);
      const pred = new ForwardContext(g, { training: true, prefix: `${m.name}.predictor.` });
      p.push(halves(g.scope(m.name, () => m.predictor!.forward(pred, proj))));
      ctxs.push(pred);
    } else p.push(undefined);
    contexts.push(ctxs);
    lrs.push(`lr.${mi}`);
  });

  const outputs: Record<string, Node> = {};
  let total: Node | undefined;
  /** Model k's outputs for distillation against peer j: last head outputs, or SimSiam-to-SimSiam as above. */
  const kdOutputs = (k: number, j: number): [{ a: Node; b: Node }, { a: Node; b: Node }] => {
    const last = (i: number) => p[i] ?? z[i]!;
    return p[k] && p[j] ? [p[k]!, z[j]!] : [last(k), last(j)];
  };
  cfg.members.forEach((m, mi) => {
    const own = p[mi];
    const ssl = own ? simsiamLoss(own.a, own.b, z[mi]!.a, z[mi]!.b) : ntXent(z[mi]!.a, z[mi]!.b, cfg.temperature ?? DEFAULT_TEMPERATURE);
    let loss = ssl;
    if (k > 1) {
      const terms = cfg.members.flatMap((_, pj) => {
        if (pj === mi) return [];
        const [self, peer] = kdOutputs(mi, pj);
        return [dogoKl(self.a, self.b, peer.a, peer.b, cfg.kdTemperature ?? DEFAULT_KD_TEMPERATURE, cfg.reduction ?? 'mean')];
      });
      const kd = ops.mul(terms.reduce((p, q) => ops.add(p, q)), 1 / terms.length);
      outputs[`${m.name}/kd`] = kd;
      loss = ops.add(ssl, ops.mul(kd, m.lambda));
    }
    outputs[`${m.name}/ssl`] = ssl;
    outputs[`${m.name}/loss`] = loss;
    // The peer's side of each distillation term is a constant, so the gradient of the sum of all losses
    // with respect to model k's parameters is the gradient of L_k alone: one backward pass serves all.
    total = total ? ops.add(total, loss) : loss;
  });

  const params: { name: string; role: ParamRole; member: number }[] = [];
  cfg.members.forEach((m, mi) => {
    const modules = [m.encoder, m.head, ...(m.predictor && m.objective === 'simsiam' ? [m.predictor] : [])];
    for (const [mod, ctx] of modules.map((mod, i) => [mod, contexts[mi]![i]!] as const)) {
      for (const [local, spec] of mod.namedParameters()) {
        if (spec.trainable) params.push({ name: ctx.prefix + local, role: roleOf(spec.kind), member: mi });
      }
    }
  });
  const leaves = params.map((p) => g.states.get(p.name)!);
  const grads = grad(total!, leaves);

  const updates: Record<string, Node> = {};
  for (const ctxs of contexts) for (const ctx of ctxs) for (const [name, node] of ctx.updates) updates[name] = node;
  params.forEach((p, i) => {
    const lr = g.inputs.get(lrs[p.member]!) ?? g.input(lrs[p.member]!, [1]);
    const u = buildUpdate(g, cfg.members[p.member]!.optimizer, p.name, p.role, leaves[i]!, grads[i]!, lr, stepCount);
    updates[p.name] = u.param;
    Object.assign(updates, u.state);
  });
  const paramNames: Record<string, string[]> = Object.fromEntries(cfg.members.map((m, mi) => [m.name, params.filter((p) => p.member === mi).map((p) => p.name)]));
  for (const m of cfg.members) outputs[`${m.name}/health`] = healthOf(m.name, updates, new Set(paramNames[m.name]));
  const feeds = { images: 'images', boxes, color: colors, lr: lrs, ...(g.inputs.has('step') ? { step: 'step' } : {}) };
  return { graph: g, outputs, updates, feeds, params: paramNames };
}

/**
 * One scalar per model that is non-finite when any of its new state is: parameters contribute the sum of their
 * squares (so a weight past about 1.8e19, where float32 squares overflow, counts as diverged), everything else
 * the sum of magnitudes (Adam's second moments may legitimately be large). NaN and Inf survive any sum.
 */
function healthOf(member: string, updates: Record<string, Node>, params: ReadonlySet<string>): Node {
  const terms = Object.entries(updates)
    .filter(([name]) => name.startsWith(`${member}.`))
    .map(([name, node]) => ops.sum(params.has(name) ? ops.square(node) : ops.abs(node)));
  return terms.reduce((a, b) => ops.add(a, b));
}
