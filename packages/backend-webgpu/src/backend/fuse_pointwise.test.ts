import { describe, expect, test } from 'vitest';
import { Graph, createPlan, ops, type Node } from '@dogo/core';
import { getTestGpu } from '../test_device.js';
import { randomArray } from '../testing/util.js';
import { compareWithReference } from '../testing/parity.js';
import { fusePointwise, scheduleOf } from './fuse_pointwise.js';
import { WebGpuBackend } from './webgpu_backend.js';
import type { WebGpuExecutable } from './executable.js';

/** Batch-norm apply, ReLU and a residual add: 8 pointwise ops over x [2,4,3,3] and per-channel [1,4,1,1] params. */
function bnReluResidual() {
  const g = new Graph();
  const x = g.input('x', [2, 4, 3, 3]);
  const res = g.input('res', [2, 4, 3, 3]);
  const mean = g.state('mean', [1, 4, 1, 1]);
  const variance = g.state('var', [1, 4, 1, 1]);
  const gamma = g.state('gamma', [1, 4, 1, 1]);
  const beta = g.state('beta', [1, 4, 1, 1]);
  const scale = ops.mul(gamma, ops.rsqrt(ops.add(variance, 1e-5)));
  const y = ops.add(ops.relu(ops.add(ops.mul(ops.sub(x, mean), scale), beta)), res);
  const initialState = { mean: randomArray(4, 1), var: randomArray(4, 2, 0.5, 2), gamma: randomArray(4, 3), beta: randomArray(4, 4) };
  return { g, y, spec: { outputs: { y }, initialState }, feeds: { x: randomArray(72, 5), res: randomArray(72, 6) } };
}

describe('fusePointwise (plan level)', () => {
  test('a chain of pointwise ops becomes one group; fills become scalars; params stay buffers', () => {
    const { spec } = bnReluResidual();
    const plan = createPlan(spec);
    const groups = fusePointwise(plan);
    expect(groups).toHaveLength(1);
    const gr = groups[0]!;
    expect(gr.members.map((m) => plan.values[m]!.op).sort()).toEqual(['add', 'add', 'add', 'mul', 'mul', 'relu', 'rsqrt', 'sub']);
    expect(gr.scalars.map((s) => plan.values[s]!.op)).toEqual(['fill']);
    expect(gr.inputs.map((i) => plan.values[i.value]!.attrs['name']).sort()).toEqual(['beta', 'gamma', 'mean', 'res', 'var', 'x']);
    const schedule = scheduleOf(plan, groups);
    expect(schedule.steps).toEqual([gr.root]);
    expect(schedule.slotBytes).toHaveLength(1);
  });

  test('fetched values, values read twice outside the tree and non-pointwise ops end a group', () => {
    const g = new Graph();
    const x = g.input('x', [4, 4]);
    const a = ops.exp(x);
    const b = ops.relu(ops.neg(x));
    const shared = ops.mul(a, b); // read by two different consumers below
    const m = ops.matmul(shared, x);
    const out = ops.add(ops.sigmoid(shared), ops.tanh(m));
    const plan = createPlan({ outputs: { out, a } });
    const groups = fusePointwise(plan);
    const ops_ = groups.map((gr) => gr.members.map((i) => plan.values[i]!.op).join(','));
    expect(ops_).toEqual(['neg,relu,mul', 'sigmoid,tanh,add']); // `a` is fetched: materialised, read as an input
  });

  test('a tree with more distinct inputs than a kernel may bind splits', () => {
    const g = new Graph();
    const xs = Array.from({ length: 10 }, (_, k) => g.input(`x${k}`, [3]));
    let acc: Node = xs[0]!;
    for (const x of xs.slice(1)) acc = ops.add(acc, x);
    const plan = createPlan({ outputs: { acc } });
    const groups = fusePointwise(plan);
    expect(groups.length).toBeGreaterThan(1);
    for (const gr of groups) expect(gr.inputs.length).toBeLessThanOrEqual(7);
  });
});

const gpu = await getTestGpu();

describe.skipIf(!gpu)('fused pointwise kernels on WebGPU', () => {
  test('a chain of 8 pointwise ops runs as 1 dispatch with the numbers of the unfused run and the reference', async () => {
    const fused = new WebGpuBackend(gpu!.device);
    const unfused = new WebGpuBackend(gpu!.device, { fusePointwise: false });
    const { spec, feeds } = bnReluResidual();
    const a = (await fused.compile(spec)) as WebGpuExecutable;
    const b = (await unfused.compile(spec)) as WebGpuExecutable;
    expect(a.dispatchCount).toBe(1);
    expect(a.stepLabels).toEqual([expect.stringMatching(/^fused_8\(/)]);
    expect(b.dispatchCount).toBe(8);
    const ya = (await a.run(feeds))['y']!.data;
    const yb = (await b.run(feeds))['y']!.data;
    a.destroy();
    b.destroy();
    let worst = 0;
    ya.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - yb[i]!))));
    expect(worst).toBeLessThan(1e-6);
    const r = await compareWithReference(fused, spec, feeds);
    expect(r.worst).toBeLessThan(1e-6);
  });

  test('kernels of one structure share a pipeline whatever the shapes and constants', async () => {
    const backend = new WebGpuBackend(gpu!.device);
    const g = new Graph();
    const tree = (x: Node, p: Node, c: number) => ops.sub(ops.sigmoid(ops.mul(ops.tanh(x), p)), c);
    const x1 = g.input('x1', [5, 6]);
    const x2 = g.input('x2', [2, 3, 7]);
    const spec = { outputs: { y1: tree(x1, g.input('p1', [6]), 0.5), y2: tree(x2, g.input('p2', [3, 1]), -2) } };
    const before = backend.runner.counts.pipelines;
    const exe = (await backend.compile(spec)) as WebGpuExecutable;
    expect(exe.dispatchCount).toBe(2);
    expect(backend.runner.counts.pipelines - before).toBe(1);
    exe.destroy();
    const feeds = { x1: randomArray(30, 1), x2: randomArray(42, 2), p1: randomArray(6, 3), p2: randomArray(3, 4) };
    expect((await compareWithReference(backend, spec, feeds)).worst).toBeLessThan(1e-6);
  });

  test('slots are planned for the fused schedule: inputs of a group outlive the absorbed producer', async () => {
    // relu(m1) is absorbed into the final add, so m1 must survive the matmuls between them.
    const g = new Graph();
    const x = g.input('x', [8, 8]);
    const m1 = ops.matmul(x, x);
    const early = ops.relu(m1);
    let z = ops.matmul(x, x, { transposeA: true });
    for (let k = 0; k < 3; k++) z = ops.matmul(ops.tanh(z), x);
    const spec = { outputs: { y: ops.add(early, z) } };
    const r = await compareWithReference(new WebGpuBackend(gpu!.device), spec, { x: randomArray(64, 9, -0.5, 0.5) });
    expect(r.worst).toBeLessThan(1e-5);
  });
});
