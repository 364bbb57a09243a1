/**
 * Recomputation in the plan: block-internal activations are recomputed in backward from the block
 * boundaries, giving the same numbers with a lower peak; 'auto' applies it only above the budget.
 */
import { describe, expect, it } from 'vitest';
import { Graph, ReferenceBackend, Rng, batchNorm, createPlan, grad, ops, recomputeSegments, residualBlockSegment, type Node, type PlanOptions } from '../index.js';

/** A stem and `blocks` residual blocks (conv, batch norm, relu, conv, batch norm, add, relu) in label scopes layer1.k, then a loss. */
function blockNet(blocks = 3) {
  const g = new Graph();
  const x = g.input('x', [4, 2, 6, 6]);
  const params: Node[] = [];
  const names: string[] = [];
  const updates: Record<string, Node> = {};
  const p = (name: string, shape: number[]) => { const s = g.state(name, shape); params.push(s); names.push(name); return s; };
  /** conv + batch norm in scope `name`; its states are named `path.name.*`. */
  const convBn = (path: string, name: string, h: Node, cin: number, cout: number) => g.scope(name, () => {
    const full = `${path}${name}`;
    const c = ops.conv2d(h, p(`${full}.w`, [cout, cin, 3, 3]), { padding: [1, 1] });
    const bn = batchNorm(c, p(`${full}.gamma`, [cout]), p(`${full}.beta`, [cout]), g.state(`${full}.rm`, [cout]), g.state(`${full}.rv`, [cout]), { training: true });
    updates[`${full}.rm`] = bn.runningMean;
    updates[`${full}.rv`] = bn.runningVar;
    return bn.y;
  });
  let h = g.scope('stem', () => ops.relu(convBn('stem.', 'conv', x, 2, 3)));
  for (let k = 0; k < blocks; k++) {
    const path = `layer1.${k}.`;
    h = g.scope('layer1', () => g.scope(String(k), () => {
      const a = ops.relu(convBn(path, 'a', h, 3, 3));
      return ops.relu(ops.add(convBn(path, 'b', a, 3, 3), h));
    }));
  }
  const loss = ops.reshape(ops.sum(ops.square(g.scope('pool', () => ops.mean(h, [2, 3])))), [1]);
  const grads = grad(loss, params);
  const outputs: Record<string, Node> = { loss };
  names.forEach((name, i) => (outputs[`grad:${name}`] = grads[i]!));
  return { g, outputs, updates, names, params };
}

function feeds(seed: number): Record<string, Float32Array> {
  const r = new Rng(seed);
  return { x: Float32Array.from({ length: 4 * 2 * 36 }, () => r.normal()) };
}

function initial(names: string[], params: Node[]): Record<string, Float32Array> {
  const r = new Rng(3);
  return Object.fromEntries(params.map((q, i) => [names[i]!, Float32Array.from({ length: q.size }, () => (names[i]!.endsWith('gamma') ? 1 + 0.1 * r.normal() : 0.3 * r.normal()))]));
}

describe('recomputation', () => {
  it('names residual blocks as segments', () => {
    expect(residualBlockSegment('student.layer2.1.conv1')).toBe('student.layer2.1');
    expect(residualBlockSegment('layer1.0')).toBe('layer1.0');
    expect(residualBlockSegment('student.layer1.0.downsample.1')).toBe('student.layer1.0');
    expect(residualBlockSegment('student.conv1')).toBeUndefined();
    expect(residualBlockSegment('player1.0')).toBeUndefined();
  });

  it('recomputes block-internal values for backward: same numbers, lower peak, boundaries kept', async () => {
    const { outputs, updates, names, params } = blockNet(3);
    const plain = createPlan({ outputs, updates });
    const rc = createPlan({ outputs, updates }, { recompute: { mode: 'always' } });
    expect(plain.recompute).toBeUndefined();
    expect(rc.recompute).toMatchObject({ segments: 3, peakBytesWithout: plain.peakBytes });
    expect(rc.recompute!.values).toBeGreaterThan(0);
    expect(rc.values.length).toBe(plain.values.length + rc.recompute!.values);
    expect(rc.peakBytes).toBeLessThan(plain.peakBytes);
    // every clone is a block value; the stem and the pooling are never recomputed
    const count = (p: typeof plain, label: string) => p.values.filter((v) => v.node.label?.startsWith(label) && v.op === 'conv2d').length;
    expect(count(rc, 'stem')).toBe(count(plain, 'stem'));
    expect(count(rc, 'layer1.0')).toBe(2 * count(plain, 'layer1.0'));
    const backend = new ReferenceBackend();
    const run = async (planOptions: PlanOptions) => {
      const exe = await backend.compile({ outputs, updates, initialState: initial(names, params), planOptions });
      const out = await exe.run(feeds(1));
      const rm = await exe.readState('layer1.2.b.rm');
      return { out, rm };
    };
    const a = await run({});
    const b = await run({ recompute: { mode: 'always' } });
    for (const k of Object.keys(outputs)) expect(Array.from(b.out[k]!.data)).toEqual(Array.from(a.out[k]!.data));
    // running statistics are updated once, by the forward pass
    expect(Array.from(b.rm.data)).toEqual(Array.from(a.rm.data));
  });

  it("'auto' recomputes only when the peak exceeds the budget", () => {
    const { outputs, updates } = blockNet(2);
    const plain = createPlan({ outputs, updates });
    expect(createPlan({ outputs, updates }, { recompute: { mode: 'auto', budgetBytes: plain.peakBytes } }).recompute).toBeUndefined();
    const short = createPlan({ outputs, updates }, { recompute: { mode: 'auto', budgetBytes: plain.peakBytes - 1 } });
    expect(short.recompute?.segments).toBe(2);
    expect(short.peakBytes).toBeLessThan(plain.peakBytes);
  });

  it('leaves a graph without labelled blocks alone', () => {
    const g = new Graph();
    const w = g.state('w', [3, 3]);
    const loss = ops.sum(ops.square(ops.matmul(g.input('x', [2, 3]), w)));
    const plan = createPlan({ outputs: { loss, gw: grad(loss, [w])[0]! } }, { recompute: { mode: 'always' } });
    expect(plan.recompute).toBeUndefined();
    expect(recomputeSegments(plan.values, [...plan.outputs.values()])).toBeNull();
  });
});
