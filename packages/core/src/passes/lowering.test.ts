/**
 * The lowering's decisions, made once for every backend: what gets storage, what is recomputed, which groups
 * merge, the batch-norm statistics as one kernel step, and each fusion rule a backend can set (groups that
 * do not reduce, a cap on the buffers a group reads, a backend's own fits check).
 */
import { describe, expect, it } from 'vitest';
import { Graph, adam, batchNorm, createPlan, grad, groupProgram, isScalarConstant, ops, type FusedStep, type FusionRules, type Plan } from '../index.js';

function layer(fusion: FusionRules = {}): { plan: Plan; ids: Record<string, number> } {
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
  const plan = createPlan({ outputs: { loss, gw: gw!, gg: gg!, gb: gb! }, updates: { rm: bn.runningMean, rv: bn.runningVar } }, { fusion });
  const at = (node: { id: number }) => plan.values.findIndex((v) => v.node.id === node.id);
  return { plan, ids: { c: at(c), bnY: at(bn.y), r: at(r), y: at(y) } };
}

const fused = (plan: Plan) => plan.steps.filter((s): s is FusedStep => s.kind === 'fused');

/** Every step reads only storage that an earlier step wrote (or a leaf). */
function expectTopological(plan: Plan): void {
  const producedAt = new Map<number, number>();
  plan.steps.forEach((s, at) => { for (const r of s.kind === 'kernel' ? [s.value] : s.roots) producedAt.set(r, at); });
  plan.steps.forEach((s, at) => {
    for (const r of s.reads) if (plan.values[r]!.kind === 'compute') expect(producedAt.get(r)!).toBeLessThan(at);
  });
}

describe('lowering', () => {
  it('stores what kernels read and recomputes the rest; views share storage', () => {
    const { plan, ids } = layer();
    expect(plan.storage[ids['c']!]).toBe(ids['c']); // read by the statistics, the normalisation and the backward
    expect(plan.storage[ids['r']!]).toBe(ids['r']); // the next convolution's input
    expect(plan.storage[ids['bnY']!]).toBe(-1); // pre-activation: recomputed where needed
    const views = plan.values.filter((v) => v.op === 'reshape' || v.op === 'stop_gradient');
    expect(views.length).toBeGreaterThan(0);
    for (const v of views) expect(plan.storage[v.index]).toBe(plan.storage[v.inputs[0]!]);
    expectTopological(plan);
  });

  it('runs the batch-norm statistics as one moments kernel reading the convolution once', () => {
    const { plan, ids } = layer();
    const moments = plan.steps.filter((s) => s.kind === 'kernel' && plan.values[s.value]!.op === 'moments');
    expect(moments).toHaveLength(1);
    expect(moments[0]!.reads).toEqual([ids['c']]);
  });

  it('merges the batch-norm backward sums into one pass and keeps a topological order', () => {
    const { plan } = layer();
    const multi = fused(plan).filter((k) => k.roots.filter((r) => plan.values[r]!.op === 'sum').length >= 3);
    expect(multi.length).toBeGreaterThanOrEqual(1);
    expectTopological(plan);
  });

  it('needs less memory fused than one value per op', () => {
    const a = layer().plan, b = layer({ fuse: false }).plan;
    expect(a.peakBytes).toBeLessThan(b.peakBytes);
    expect(fused(b).every((k) => k.members.length === 0 && k.roots.length === 1)).toBe(true);
  });

  it("runs a parameter's whole Adam update (new parameter and both moments) as one pass", () => {
    const g = new Graph();
    const w = g.state('w', [1000]), m = g.state('m', [1000]), v = g.state('v', [1000]);
    const r = adam(w, g.input('g', [1000]), m, v, { lr: g.input('lr', [1]), step: g.input('step', [1]), decoupled: false, weightDecay: 1e-4 });
    const plan = createPlan({ outputs: {}, updates: { w: r.param, m: r.m, v: r.v } }, { fusion: {} });
    const full = fused(plan).filter((k) => k.shape.join() === '1000');
    expect(full).toHaveLength(1);
    expect(full[0]!.roots.map((i) => plan.values[i]!.node.id).sort()).toEqual([r.param.id, r.m.id, r.v.id].sort());
  });

  it('runs reductions as kernels and keeps one root per group where the backend says so', () => {
    const { plan } = layer({ reduceInGroups: false, merge: false });
    for (const s of plan.steps) {
      if (s.kind === 'fused') {
        expect(s.roots).toHaveLength(1);
        expect(['sum', 'max']).not.toContain(plan.values[s.roots[0]!]!.op);
      }
    }
    expect(plan.steps.some((s) => s.kind === 'kernel' && plan.values[s.value]!.op === 'sum')).toBe(true);
    expectTopological(plan);
  });

  it('stores recomputed values until every group reads at most maxGroupInputs buffers', () => {
    const g = new Graph();
    const xs = Array.from({ length: 6 }, (_, k) => g.input(`x${k}`, [16]));
    // one expression over six tensors: a single group would read all six
    const y = xs.slice(1).reduce((acc, x, k) => ops.add(ops.mul(acc, x), k + 1), ops.exp(xs[0]!));
    const loose = createPlan({ outputs: { y } }, { fusion: { maxRecomputeReads: 8 } });
    expect(fused(loose)).toHaveLength(1);
    const plan = createPlan({ outputs: { y } }, { fusion: { maxRecomputeReads: 8, maxGroupInputs: 3 } });
    expect(fused(plan).length).toBeGreaterThan(1);
    for (const s of fused(plan)) {
      const buffers = groupProgram(plan.values, plan.storage, s).operands.filter((o) => !isScalarConstant(plan.values[o.owner]!));
      expect(buffers.length).toBeLessThanOrEqual(3);
    }
    expectTopological(plan);
  });

  it("follows the backend's own fits check, and says when nothing fits", () => {
    const fits = (p: { instrs: readonly unknown[] }) => p.instrs.length <= 3;
    const { plan } = layer({ fits });
    for (const s of fused(plan)) expect(groupProgram(plan.values, plan.storage, s).instrs.length).toBeLessThanOrEqual(3);
    expectTopological(plan);
    expect(() => layer({ fits: () => false })).toThrow(/does not fit the backend's kernel/);
  });

  it("describes each group's dataflow: operands with their read shapes, instructions in order", () => {
    const g = new Graph();
    const x = g.input('x', [2, 3]), b = g.input('b', [3]);
    const y = ops.sum(ops.leakyRelu(ops.add(x, ops.broadcastTo(b, [2, 3])), { negative_slope: 0.2 }), [0]);
    const plan = createPlan({ outputs: { y } }, { fusion: {} });
    const [group] = fused(plan);
    const p = groupProgram(plan.values, plan.storage, group!);
    expect(p.shape).toEqual([2, 3]);
    expect(p.operands.map((o) => [plan.values[o.value]!.name, o.shape])).toEqual([['x', [2, 3]], ['b', [3]]]);
    expect(p.instrs.map((i) => (i.kind === 'pointwise' ? `${i.call.op}(${i.call.params.join(',')})` : i.kind))).toEqual(['add()', 'leaky_relu(0.2)', 'reduce']);
  });
});
