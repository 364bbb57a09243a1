/**
 * The lowering's decisions on a conv / batch-norm / relu layer with its backward pass: what gets storage,
 * what is recomputed, which groups merge, and where the batch-norm statistics kernel replaces the sums.
 */
import { describe, expect, it } from 'vitest';
import { Graph, adam, batchNorm, createPlan, grad, ops, type Plan } from '@dogo/core';
import { lowerPlan } from './lowering.js';
import { planSlots } from './memory.js';

function layer(): { plan: Plan; ids: Record<string, number> } {
  const g = new Graph();
  const x = g.input('x', [4, 3, 8, 8]);
  const w = g.state('w', [5, 3, 3, 3]), w2 = g.state('w2', [5, 5, 3, 3]);
  const gamma = g.state('gamma', [5]), beta = g.state('beta', [5]);
  const c = ops.conv2d(x, w, { padding: [1, 1] });
  const bn = batchNorm(c, gamma, beta, g.state('rm', [5]), g.state('rv', [5]), { training: true });
  const r = ops.relu(bn.y);
  const y = ops.conv2d(r, w2, { padding: [1, 1] });
  const loss = ops.sum(ops.square(ops.reshape(y, [4, 320])));
  const [gw, gg, gb] = grad(loss, [w, gamma, beta]);
  const plan = createPlan({ outputs: { loss, gw: gw!, gg: gg!, gb: gb! }, updates: { rm: bn.runningMean, rv: bn.runningVar } });
  const at = (node: { id: number }) => plan.values.findIndex((v) => v.node.id === node.id);
  return { plan, ids: { c: at(c), bnY: at(bn.y), r: at(r), y: at(y) } };
}

describe('lowering', () => {
  it('materialises what kernels read and recomputes the rest', () => {
    const { plan, ids } = layer();
    const low = lowerPlan(plan);
    expect(low.storage[ids['c']!]).toBe(ids['c']); // read by the statistics, the apply and the backward
    expect(low.storage[ids['r']!]).toBe(ids['r']); // the next convolution's input
    expect(low.storage[ids['bnY']!]).toBe(-1); // pre-activation: recomputed where needed
    const views = plan.values.filter((v) => v.op === 'reshape' || v.op === 'stop_gradient');
    expect(views.length).toBeGreaterThan(0);
    for (const v of views) expect(low.storage[v.index]).toBe(low.storage[v.inputs[0]!]);
    expect(low.kernels.filter((k) => k.kind === 'bn_stats')).toHaveLength(1);
  });

  it('merges the batch-norm backward sums into one pass and keeps a topological order', () => {
    const { plan } = layer();
    const low = lowerPlan(plan);
    const multi = low.kernels.filter((k) => k.kind === 'fused' && k.roots.filter((r) => plan.values[r]!.op === 'sum').length >= 3);
    expect(multi.length).toBeGreaterThanOrEqual(1);
    const producedAt = new Map<number, number>();
    low.kernels.forEach((k, at) => { for (const r of k.roots) producedAt.set(r, at); });
    low.kernels.forEach((k, at) => {
      for (const s of k.reads) if (plan.values[s]!.kind === 'compute') expect(producedAt.get(s)!).toBeLessThan(at);
    });
  });

  it('needs less memory fused than one value per op', () => {
    const { plan } = layer();
    const fused = planSlots(plan, lowerPlan(plan)).totalBytes;
    const unfused = planSlots(plan, lowerPlan(plan, { fuse: false })).totalBytes;
    expect(fused).toBeLessThan(unfused);
    expect(lowerPlan(plan, { fuse: false }).kernels.every((k) => k.members.length === 0)).toBe(true);
  });

  it("runs a parameter's whole Adam update (new parameter and both moments) as one pass", () => {
    const g = new Graph();
    const w = g.state('w', [1000]), m = g.state('m', [1000]), v = g.state('v', [1000]);
    const r = adam(w, g.input('g', [1000]), m, v, { lr: g.input('lr', [1]), step: g.input('step', [1]), decoupled: false, weightDecay: 1e-4 });
    const plan = createPlan({ outputs: {}, updates: { w: r.param, m: r.m, v: r.v } });
    const full = lowerPlan(plan).kernels.filter((k) => k.shape.join() === '1000');
    expect(full).toHaveLength(1);
    expect(full[0]!.roots.map((i) => plan.values[i]!.node.id).sort()).toEqual([r.param.id, r.m.id, r.v.id].sort());
  });
});
