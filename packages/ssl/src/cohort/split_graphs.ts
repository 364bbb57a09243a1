/**
 * The graphs of a split DoGo step (GradCache, Gao et al. 2021), one set per cohort member, each compiled as its
 * own executable on the member's backend:
 *
 * - forward: `chunk` images through the member, no gradient: its head outputs [2c, D] (both views of the chunk);
 * - loss: the member's loss on the whole batch's head outputs of every member (the peers' enter as constants):
 *   the loss, its parts, and d loss / d own outputs;
 * - backward: the chunk's forward again, then the gradient of the outputs seeded with their rows of d loss /
 *   d outputs (`grad(..., { seed })`), added into one accumulator state per parameter (`param#grad`); the
 *   batch-norm running statistics update here, once per chunk;
 * - update: the optimiser step from the accumulated gradients, which it then zeroes, and the member's health
 *   scalar (cohort_step.ts's `healthOf`) over its new parameters and optimiser state and its running statistics.
 *
 * The loss only needs head outputs, so the whole batch stays in the contrastive loss while activations exist
 * for one chunk at a time. Batch-norm statistics are per chunk (both views of its images), as per-device batch
 * norm without synchronisation; with batch norm in eval mode, or none, the accumulated gradients equal the
 * one-graph step's. Internal: compiled_step.ts runs them.
 */
import { Graph, grad, ops, type Node, type PlanSpec, type Shape } from '@dogo/core';
import { buildUpdate } from '../optim/optimizer.js';
import type { CohortConfig } from './cohort_config.js';
import { memberLoss, type MemberHeads } from './cohort_losses.js';
import { memberForward, memberParams, type Halves, type ViewBuilder } from './member_forward.js';
import { healthOf, lrFeed, stepCountOf } from './cohort_step.js';
import { ChunkSizeError } from './layout_errors.js';

/** A member's head outputs: projections, and SimSiam's predictor outputs. */
export type HeadOutput = 'proj' | 'pred';

/** Feed of member j's head output `o`, view half `v` ('a': view 1, 'b': view 2), [N, D], in a loss executable. */
export function embeddingFeed(j: number, o: HeadOutput, v: keyof Halves): string {
  return `emb.${j}.${o}.${v}`;
}

/** Fetch of d loss / d own head output `o`, view half `v`, from a loss executable. */
export function embeddingGradFetch(o: HeadOutput, v: keyof Halves): string {
  return `grad.${o}.${v}`;
}

/** Feed of the seed rows [2c, D] for head output `o` in a backward executable. */
export function seedFeed(o: HeadOutput): string {
  return `seed.${o}`;
}

/** The accumulated gradient state of a parameter. */
export function gradAccumulator(param: string): string {
  return `${param}#grad`;
}

export interface MemberSplitGraphs {
  readonly forward: PlanSpec;
  readonly loss: PlanSpec;
  readonly backward: PlanSpec;
  readonly update: PlanSpec;
  /** Width of each head output. */
  readonly dims: Partial<Record<HeadOutput, number>>;
}

/** The four graphs of every member for chunks of `chunk` images (a divisor of the batch size). */
export function buildSplitGraphs(cfg: CohortConfig, chunk: number, views: ViewBuilder): MemberSplitGraphs[] {
  const n = cfg.batchSize;
  if (!Number.isInteger(chunk) || chunk < 1 || n % chunk !== 0) throw new ChunkSizeError(`split step: chunk ${chunk} must divide the batch size ${n}`);
  const forwards = cfg.members.map((m, mi) => {
    const g = new Graph();
    const f = memberForward(g, m, views(g, mi, chunk));
    const outputs: Record<string, Node> = { proj: f.proj, ...(f.pred ? { pred: f.pred } : {}) };
    return { spec: { outputs } as PlanSpec, dims: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.shape[1]!])) as Partial<Record<HeadOutput, number>> };
  });
  return cfg.members.map((m, mi) => {
    const backward = backwardGraph(m, mi, chunk, views);
    return { forward: forwards[mi]!.spec, loss: lossGraph(cfg, mi, forwards.map((f) => f.dims)), backward: backward.spec, update: updateGraph(cfg, mi, backward.shapes, backward.running), dims: forwards[mi]!.dims };
  });
}

function lossGraph(cfg: CohortConfig, k: number, dims: readonly Partial<Record<HeadOutput, number>>[]): PlanSpec {
  const g = new Graph();
  const n = cfg.batchSize;
  const heads: MemberHeads[] = dims.map((d, j) => {
    const half = (o: HeadOutput): Halves => ({ a: g.input(embeddingFeed(j, o, 'a'), [n, d[o]!]), b: g.input(embeddingFeed(j, o, 'b'), [n, d[o]!]) });
    return { z: half('proj'), ...(d.pred ? { p: half('pred') } : {}) };
  });
  const l = memberLoss(cfg, k, heads);
  const name = cfg.members[k]!.name;
  const outputs: Record<string, Node> = { [`${name}/loss`]: l.loss, [`${name}/ssl`]: l.ssl, ...(l.kd ? { [`${name}/kd`]: l.kd } : {}) };
  const own: [HeadOutput, Halves][] = [['proj', heads[k]!.z], ...(heads[k]!.p ? [['pred', heads[k]!.p] as [HeadOutput, Halves]] : [])];
  const wrt = own.flatMap(([, h]) => [h.a, h.b]);
  const grads = grad(l.loss, wrt);
  own.forEach(([o], i) => {
    outputs[embeddingGradFetch(o, 'a')] = grads[2 * i]!;
    outputs[embeddingGradFetch(o, 'b')] = grads[2 * i + 1]!;
  });
  return { outputs };
}

/** The backward graph, the shapes of the member's parameters and of its running statistics. */
function backwardGraph(m: CohortConfig['members'][number], mi: number, chunk: number, views: ViewBuilder): { spec: PlanSpec; shapes: Map<string, Shape>; running: Map<string, Shape> } {
  const g = new Graph();
  const f = memberForward(g, m, views(g, mi, chunk));
  const seedProj = g.input(seedFeed('proj'), f.proj.shape);
  const out = f.pred ? ops.concat([f.proj, f.pred], 1) : f.proj;
  const seed = f.pred ? ops.concat([seedProj, g.input(seedFeed('pred'), f.pred.shape)], 1) : seedProj;
  const names = memberParams(m);
  const params = names.map((p) => g.states.get(p.name)!);
  const grads = grad(out, params, { seed });
  const updates: Record<string, Node> = {};
  for (const ctx of f.contexts) for (const [name, node] of ctx.updates) updates[name] = node;
  const running = new Map(Object.entries(updates).map(([name, node]) => [name, node.shape] as [string, Shape]));
  names.forEach((p, i) => {
    const acc = g.state(gradAccumulator(p.name), params[i]!.shape);
    updates[gradAccumulator(p.name)] = ops.add(acc, grads[i]!);
  });
  return { spec: { outputs: {}, updates }, shapes: new Map(params.map((p, i) => [names[i]!.name, p.shape])), running };
}

function updateGraph(cfg: CohortConfig, mi: number, shapes: ReadonlyMap<string, Shape>, running: ReadonlyMap<string, Shape>): PlanSpec {
  const m = cfg.members[mi]!;
  const g = new Graph();
  const lr = g.input(lrFeed(mi), [1]);
  const stepCount = stepCountOf(g);
  const updates: Record<string, Node> = {};
  const params = memberParams(m);
  for (const p of params) {
    const shape = shapes.get(p.name)!;
    const param = g.state(p.name, shape);
    const acc = g.state(gradAccumulator(p.name), shape);
    const u = buildUpdate(g, m.optimizer, p.name, p.role, param, acc, lr, stepCount);
    updates[p.name] = u.param;
    Object.assign(updates, u.state);
    updates[gradAccumulator(p.name)] = g.fill(0, shape);
  }
  // the running statistics, as the backward executables left them, count towards the member's health
  const checked: Record<string, Node> = Object.fromEntries(Object.entries(updates).filter(([name]) => !name.endsWith('#grad')));
  for (const [name, shape] of running) checked[name] = g.state(name, shape);
  return { outputs: { [`${m.name}/health`]: healthOf(m.name, checked, new Set(params.map((p) => p.name))) }, updates };
}
