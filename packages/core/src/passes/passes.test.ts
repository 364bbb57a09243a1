/** Graph passes and the memory planner: DCE, CSE, slot assignment by liveness, and the reference backend's check of it. */
import { describe, expect, it } from 'vitest';
import {
  BackendError, Graph, ReferenceBackend, batchNorm, createPlan, crossEntropy, eliminateCommonSubexpressions, eliminateDeadNodes, globalAvgPool, grad,
  linear, ops, stepRoots, type Node, type Plan, type UnaryOpName,
} from '../index.js';

/** A chain of `length` unary pointwise ops over one input. */
function chain(length: number, shape: number[]): { g: Graph; x: Node; y: Node } {
  const g = new Graph();
  const x = g.input('x', shape);
  const cycle: UnaryOpName[] = ['tanh', 'neg', 'sigmoid', 'square', 'abs'];
  let y = x;
  for (let i = 0; i < length; i++) y = ops.node(cycle[i % cycle.length]!, [y]);
  return { g, x, y };
}

/**
 * Every stored value has a slot big enough; two stored values alive at once (one written while the other is
 * still to be read, or kept to the end) hold different slots; no step writes a slot it reads.
 */
function expectSoundSlots(plan: Plan): void {
  const written = new Map<number, number>();
  const lastRead = new Map<number, number>();
  const kept = new Set([...plan.outputs.values(), ...plan.updates.values()].map((i) => plan.storage[i]!));
  plan.steps.forEach((s, at) => {
    for (const r of stepRoots(s)) written.set(r, at);
    for (const r of s.reads) lastRead.set(r, at);
  });
  for (const [v, at] of written) {
    const value = plan.values[v]!;
    expect(plan.slot[v], `${value.node} has a slot`).toBeGreaterThanOrEqual(0);
    expect(plan.slotBytes[plan.slot[v]!]).toBeGreaterThanOrEqual(value.size * 4);
    for (const r of plan.steps[at]!.reads) if (plan.slot[r]! >= 0) expect(plan.slot[r], `${value.node} is written into a slot its step reads`).not.toBe(plan.slot[v]);
  }
  const end = (v: number) => (kept.has(v) ? Infinity : lastRead.get(v) ?? written.get(v)!);
  for (const [a, wa] of written) {
    for (const [b, wb] of written) {
      if (a === b || wa > wb) continue;
      if (end(a) >= wb && !(wa === wb && a > b)) expect(plan.slot[a], `${plan.values[a]!.node} (live to ${end(a)}) and ${plan.values[b]!.node} (written at ${wb})`).not.toBe(plan.slot[b]);
    }
  }
}

describe('memory planner', () => {
  it('runs a chain of 50 pointwise ops on [64,64] in two slots', async () => {
    const { y } = chain(50, [64, 64]);
    const plan = createPlan({ outputs: { y } });
    const bytes = 64 * 64 * 4; // already a multiple of the 256-byte alignment
    expect(plan.steps).toHaveLength(50);
    expect(plan.slotBytes).toEqual([bytes, bytes]);
    expect(plan.peakBytes).toBe(2 * bytes);
    expect(plan.unplannedBytes).toBe(50 * bytes);
    expectSoundSlots(plan);
    // The reference backend checks slot ownership on every read, so the plan also runs.
    const exe = await new ReferenceBackend().compile({ outputs: { y } });
    const out = await exe.run({ x: new Float32Array(64 * 64).fill(0.5) });
    expect(out['y']!.data).toHaveLength(64 * 64);
  });

  it('aligns slot sizes', () => {
    const { y } = chain(3, [3]);
    expect(createPlan({ outputs: { y } }).slotBytes).toEqual([256, 256]);
    expect(createPlan({ outputs: { y } }, { alignment: 16 }).slotBytes).toEqual([16, 16]);
  });

  it('keeps outputs alive to the end even when later values read them', async () => {
    const g = new Graph();
    const x = g.input('x', [4]);
    const a = ops.exp(x);
    const b = ops.neg(a);
    const c = ops.tanh(b);
    const d = ops.square(c);
    const plan = createPlan({ outputs: { a, d } });
    const ia = plan.outputs.get('a')!;
    expectSoundSlots(plan);
    const later = plan.values.filter((v) => v.kind === 'compute' && v.index > ia);
    for (const v of later) expect(plan.slot[v.index]).not.toBe(plan.slot[ia]);

    const exe = await new ReferenceBackend().compile({ outputs: { a, d } });
    const xs = Float64Array.from([0, 1, -1, 0.5]);
    const got = await exe.run({ x: xs });
    expect([...got['a']!.data]).toEqual([...xs].map(Math.exp));
    expect([...got['d']!.data]).toEqual([...xs].map((v) => Math.tanh(-Math.exp(v)) ** 2));
  });

  it('assigns sound slots in a whole training step (conv net forward and backward), fused or not', () => {
    const g = new Graph();
    const x = g.input('x', [2, 3, 6, 6]);
    const labels = g.input('labels', [2], 'int32');
    const w = g.state('w', [4, 3, 3, 3]);
    const gamma = g.state('gamma', [4]);
    const beta = g.state('beta', [4]);
    const rm = g.state('rm', [4]);
    const rv = g.state('rv', [4]);
    const fc = g.state('fc', [5, 4]);
    const bn = batchNorm(ops.conv2d(x, w, { padding: [1, 1] }), gamma, beta, rm, rv, { training: true });
    const loss = crossEntropy(linear(globalAvgPool(ops.maxPool2d(ops.relu(bn.y), { kernel: [2, 2] })), fc), labels);
    const params = [w, gamma, beta, fc];
    const grads = grad(loss, params);
    const updates = Object.fromEntries(params.map((p, i) => [p.label!, ops.sub(p, ops.mul(grads[i]!, 0.1))]));
    const spec = { outputs: { loss }, updates: { ...updates, rm: bn.runningMean, rv: bn.runningVar } };
    for (const fusion of [{ fuse: false }, {}, { reduceInGroups: false, merge: false, maxGroupInputs: 3 }]) {
      const plan = createPlan(spec, { fusion });
      expectSoundSlots(plan);
      expect(plan.peakBytes).toBeLessThan(plan.unplannedBytes);
    }
  });

  it('the reference backend catches a plan that lets two live values share a slot', async () => {
    const g = new Graph();
    const x = g.input('x', [3]);
    const a = ops.exp(x);
    const b = ops.neg(a);
    const c = ops.add(a, b); // reads a after b was written
    const exe = await new ReferenceBackend().compile({ outputs: { c } });
    const ia = exe.plan.values.find((v) => v.op === 'exp')!.index;
    const ib = exe.plan.values.find((v) => v.op === 'neg')!.index;
    expect(exe.plan.slot[ib]).not.toBe(exe.plan.slot[ia]);
    await expect(exe.run({ x: new Float32Array(3) })).resolves.toBeDefined();
    exe.plan.slot[ib] = exe.plan.slot[ia]!; // corrupt: b overwrites a while a is still live
    await expect(exe.run({ x: new Float32Array(3) })).rejects.toThrow(BackendError);
    await expect(exe.run({ x: new Float32Array(3) })).rejects.toThrow(/memory plan error: value #1 .* was overwritten in slot \d+ by value #2/);
  });
});

describe('dead-node elimination', () => {
  it('keeps only what the roots depend on, in creation order', () => {
    const g = new Graph();
    const x = g.input('x', [2]);
    const other = g.input('other', [2]);
    const a = ops.exp(x);
    const dead = ops.add(ops.neg(x), other);
    const c = ops.tanh(a);
    const live = eliminateDeadNodes([c]);
    expect(live).toEqual([x, a, c]);
    expect(live).not.toContain(dead);

    const plan = createPlan({ outputs: { c } });
    expect(plan.values.map((v) => v.op)).toEqual(['input', 'exp', 'tanh']);
    expect([...plan.inputs.keys()]).toEqual(['x']);
  });

  it('keeps an updated state even when the step never reads it', () => {
    const g = new Graph();
    const s = g.state('s', [2]);
    const x = g.input('x', [2]);
    const plan = createPlan({ outputs: { y: ops.exp(x) }, updates: { s: x } });
    expect([...plan.states.keys()]).toEqual(['s']);
    expect(plan.values[plan.states.get('s')!]!.node).toBe(s);
  });
});

describe('common-subexpression elimination', () => {
  it('merges two identical exp(x) into one value', async () => {
    const g = new Graph();
    const x = g.input('x', [3]);
    const e1 = ops.exp(x);
    const e2 = ops.exp(x);
    const y = ops.add(ops.mul(e1, 2), ops.mul(e2, 2)); // the fills and the products merge as well
    const canonical = eliminateCommonSubexpressions(eliminateDeadNodes([y]));
    expect(canonical.get(e2)).toBe(e1);

    const plan = createPlan({ outputs: { y } });
    expect(plan.values.map((v) => v.op)).toEqual(['input', 'exp', 'fill', 'mul', 'add']);
    const add = plan.values.at(-1)!;
    expect(add.inputs[0]).toBe(add.inputs[1]);
    expect(createPlan({ outputs: { y } }, { cse: false }).values).toHaveLength(8);

    const exe = await new ReferenceBackend().compile({ outputs: { y } });
    const xs = Float64Array.from([0, 1, 2]);
    expect([...(await exe.run({ x: xs }))['y']!.data]).toEqual([...xs].map((v) => 4 * Math.exp(v)));
  });

  it('does not merge nodes whose attributes differ', () => {
    const g = new Graph();
    const x = g.input('x', [2, 3]);
    const plan = createPlan({ outputs: { a: ops.sum(x, [0]), b: ops.sum(x, [1]), c: ops.sum(x, [0], true) } });
    expect(plan.values.filter((v) => v.op === 'sum')).toHaveLength(3);
  });

  it('never merges two inputs, two states or two constants', () => {
    const g = new Graph();
    const a = g.input('a', [2]);
    const b = g.input('b', [2]);
    const s = g.state('s', [2]);
    const t = g.state('t', [2]);
    const k1 = g.constant([1, 2], [2]);
    const k2 = g.constant([1, 2], [2]);
    const plan = createPlan({ outputs: { ab: ops.add(a, b), st: ops.add(s, t), k: ops.add(k1, k2) } });
    expect(plan.values.filter((v) => v.kind === 'input')).toHaveLength(2);
    expect(plan.values.filter((v) => v.kind === 'state')).toHaveLength(2);
    expect(plan.values.filter((v) => v.op === 'constant')).toHaveLength(2);
    for (const v of plan.values.filter((v) => v.op === 'add')) expect(v.inputs[0]).not.toBe(v.inputs[1]);
  });

  it('keeps fills of Infinity, -Infinity, NaN, 0 and -0 apart', async () => {
    const g = new Graph();
    const x = g.input('x', [2]);
    const fills = [Infinity, -Infinity, NaN, 0, -0].map((v) => g.fill(v, [2]));
    const canonical = eliminateCommonSubexpressions(fills);
    expect(new Set(fills.map((f) => canonical.get(f))).size).toBe(5);
    // max(x, -inf) + min(x, inf) = 2x: with the fills merged it would be -inf.
    const y = ops.add(ops.maximum(x, fills[1]!), ops.minimum(x, fills[0]!));
    const exe = await new ReferenceBackend().compile({ outputs: { y } });
    expect([...(await exe.run({ x: Float64Array.from([1, -2]) }))['y']!.data]).toEqual([2, -4]);
  });
});

describe('createPlan', () => {
  it('refuses an empty spec and bad updates', () => {
    const g = new Graph();
    const s = g.state('s', [2]);
    expect(() => createPlan({ outputs: {} })).toThrow(BackendError);
    expect(() => createPlan({ outputs: { y: ops.exp(s) }, updates: { nope: s } })).toThrow(/names no state/);
    expect(() => createPlan({ outputs: {}, updates: { s: g.input('x', [3]) } })).toThrow(/update for state "s"/);
  });
});
