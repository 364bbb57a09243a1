/**
 * Fused steps on WebGPU: the plan the backend asks the core for (WEBGPU_FUSION_RULES: one output, no
 * reductions, at most 7 input buffers per group), how a group becomes one generated kernel (scalars and
 * numeric attributes as uniforms, views read in place), and that the kernels give the unfused numbers.
 */
import { describe, expect, test } from 'vitest';
import { Graph, batchNorm, createPlan, grad, groupProgram, isScalarConstant, ops, type FusedStep, type Node, type Plan, type PlanSpec } from '@dogo/core';
import { MAX_FUSED_INPUTS } from '@dogo/shaders-tensor';
import { getTestGpu } from '../test_device.js';
import { randomArray } from '../testing/util.js';
import { compareWithReference } from '../testing/parity.js';
import { WEBGPU_FUSION_RULES, fusedLaunch } from './fused_launch.js';
import { isKernelStepOp } from './op_kernels.js';
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
  return { spec: { outputs: { y }, initialState }, feeds: { x: randomArray(72, 5), res: randomArray(72, 6) } };
}

/** One column-scaled chain over x [4, 8] reading `n` per-column vectors [8]: a group of n + 1 buffers. */
function wideChain(n: number) {
  const g = new Graph();
  const x = g.input('x', [4, 8]);
  const ps = Array.from({ length: n }, (_, k) => g.input(`p${k}`, [8]));
  const y = ps.reduce((acc: Node, p) => ops.add(ops.mul(acc, p), 0.5), ops.tanh(x));
  const feeds: Record<string, Float32Array> = { x: randomArray(32, 1) };
  ps.forEach((_, k) => (feeds[`p${k}`] = randomArray(8, 10 + k, 0.5, 1.5)));
  return { spec: { outputs: { y } }, feeds };
}

const planOf = (spec: PlanSpec, fuse = true) => createPlan(spec, { fusion: fuse ? WEBGPU_FUSION_RULES : { ...WEBGPU_FUSION_RULES, fuse: false } });
const fusedSteps = (plan: Plan) => plan.steps.filter((s): s is FusedStep => s.kind === 'fused');
const buffersRead = (plan: Plan, s: FusedStep) => groupProgram(plan.values, plan.storage, s).operands.filter((o) => !isScalarConstant(plan.values[o.owner]!)).length;

describe('the plan under WEBGPU_FUSION_RULES', () => {
  test('a chain of pointwise ops is one fused step per shape; fills become uniform scalars; params stay buffers', () => {
    const plan = planOf(bnReluResidual().spec);
    // the per-channel scale gamma·rsqrt(var + eps) [1,4,1,1] once, then the element-wise rest [2,4,3,3]
    expect(plan.steps).toHaveLength(2);
    const [scale, rest] = fusedSteps(plan);
    const opsOf = (s: FusedStep) => [...s.members, ...s.roots].map((m) => plan.values[m]!.op).sort();
    expect(opsOf(scale!)).toEqual(['add', 'mul', 'rsqrt']);
    expect(opsOf(rest!)).toEqual(['add', 'add', 'mul', 'relu', 'sub']);
    const a = fusedLaunch(plan, scale!);
    expect(a.kernel.uniforms.filter((u) => u.name.startsWith('s_')).map((u) => u.value)).toEqual([1e-5]);
    expect(Object.keys(a.buffers).sort()).toEqual(['in0', 'in1', 'out']);
    const b = fusedLaunch(plan, rest!);
    expect(Object.keys(b.buffers).sort()).toEqual(['in0', 'in1', 'in2', 'in3', 'in4', 'out']);
    expect([a.kernel.label, b.kernel.label]).toEqual(['fused_3(add,rsqrt,mul)', 'fused_5(sub,mul,add,relu,add)']);
  });

  test('a training step: fused steps write one value and reduce nothing; everything else is a kernel step', () => {
    const g = new Graph();
    const x = g.input('x', [2, 3, 4, 4]);
    const w = g.state('w', [4, 3, 3, 3]);
    const bn = batchNorm(ops.conv2d(x, w, { padding: [1, 1] }), g.state('gamma', [4]), g.state('beta', [4]), g.state('rm', [4]), g.state('rv', [4]), { training: true });
    const loss = ops.sum(ops.square(ops.relu(bn.y)));
    const [gw] = grad(loss, [w]);
    const plan = planOf({ outputs: { loss, gw: gw! }, updates: { rm: bn.runningMean, rv: bn.runningVar } });
    for (const s of plan.steps) {
      if (s.kind === 'kernel') expect(isKernelStepOp(plan.values[s.value]!.op), plan.values[s.value]!.op).toBe(true);
      else {
        expect(s.roots).toHaveLength(1);
        const program = groupProgram(plan.values, plan.storage, s);
        expect(program.instrs.filter((i) => i.kind === 'reduce')).toEqual([]);
        expect(buffersRead(plan, s)).toBeLessThanOrEqual(MAX_FUSED_INPUTS);
        expect(() => fusedLaunch(plan, s)).not.toThrow();
      }
    }
    expect(plan.steps.filter((s) => s.kind === 'kernel' && plan.values[s.value]!.op === 'moments')).toHaveLength(1);
  });

  test('a group that would read more than 7 buffers is split into groups that each read at most 7', () => {
    const loose = createPlan(wideChain(9).spec, { fusion: { ...WEBGPU_FUSION_RULES, maxGroupInputs: undefined } });
    expect(Math.max(...fusedSteps(loose).map((s) => buffersRead(loose, s)))).toBe(10);
    const plan = planOf(wideChain(9).spec);
    expect(fusedSteps(plan).length).toBeGreaterThan(1);
    for (const s of fusedSteps(plan)) expect(buffersRead(plan, s)).toBeLessThanOrEqual(MAX_FUSED_INPUTS);
  });

  test('fusePointwise false stores every pointwise value: one op per fused step', () => {
    const plan = planOf(bnReluResidual().spec, false);
    expect(fusedSteps(plan)).toHaveLength(8);
    for (const s of fusedSteps(plan)) expect(s.members).toEqual([]);
  });
});

const gpu = await getTestGpu();

describe.skipIf(!gpu)('fused pointwise kernels on WebGPU', () => {
  test('a chain of 8 pointwise ops runs as 2 dispatches with the numbers of the unfused run and the reference', async () => {
    const fused = new WebGpuBackend(gpu!.device);
    const unfused = new WebGpuBackend(gpu!.device, { fusePointwise: false });
    const { spec, feeds } = bnReluResidual();
    const a = (await fused.compile(spec)) as WebGpuExecutable;
    const b = (await unfused.compile(spec)) as WebGpuExecutable;
    expect(a.stepLabels).toEqual(['fused_3(add,rsqrt,mul)', 'fused_5(sub,mul,add,relu,add)']);
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

  test('groups of one structure share a pipeline whatever the shapes, constants and attribute values', async () => {
    const backend = new WebGpuBackend(gpu!.device);
    const g = new Graph();
    const tree = (x: Node, p: Node, c: number, slope: number) => ops.sub(ops.leakyRelu(ops.mul(ops.tanh(x), p), { negative_slope: slope }), c);
    const x1 = g.input('x1', [5, 6]);
    const x2 = g.input('x2', [2, 3, 7]);
    const spec = { outputs: { y1: tree(x1, g.input('p1', [6]), 0.5, 0.1), y2: tree(x2, g.input('p2', [3, 1]), -2, 0.3) } };
    const before = backend.runner.counts.pipelines;
    const exe = (await backend.compile(spec)) as WebGpuExecutable;
    expect(exe.dispatchCount).toBe(2);
    expect(backend.runner.counts.pipelines - before).toBe(1);
    exe.destroy();
    const feeds = { x1: randomArray(30, 1), x2: randomArray(42, 2), p1: randomArray(6, 3), p2: randomArray(3, 4) };
    expect((await compareWithReference(backend, spec, feeds)).worst).toBeLessThan(1e-6);
  });

  test('numeric attributes are uniforms: every leaky_relu slope and elu alpha runs on one pipeline each', async () => {
    const backend = new WebGpuBackend(gpu!.device, { fusePointwise: false });
    const g = new Graph();
    const x = g.input('x', [4, 5]);
    const outputs = {
      l1: ops.leakyRelu(x, { negative_slope: 0.01 }), l2: ops.leakyRelu(x, { negative_slope: 0.2 }), l3: ops.leakyRelu(x, { negative_slope: 3 }),
      e1: ops.elu(x, { alpha: 1 }), e2: ops.elu(x, { alpha: 0.25 }),
    };
    const before = backend.runner.counts.pipelines;
    const exe = (await backend.compile({ outputs })) as WebGpuExecutable;
    expect(exe.dispatchCount).toBe(5);
    expect(backend.runner.counts.pipelines - before).toBe(2);
    exe.destroy();
    expect((await compareWithReference(backend, { outputs }, { x: randomArray(20, 7, -2, 2) })).worst).toBeLessThan(1e-6);
  });

  test('a group of more than 7 input buffers is split and still correct', async () => {
    const { spec, feeds } = wideChain(9);
    const exe = (await new WebGpuBackend(gpu!.device).compile(spec)) as WebGpuExecutable;
    expect(exe.dispatchCount).toBeGreaterThan(1);
    exe.destroy();
    expect((await compareWithReference(new WebGpuBackend(gpu!.device), spec, feeds)).worst).toBeLessThan(1e-6);
  });

  test('views cost no launch: reshapes and stop_gradient are read in place, fetched from their source', async () => {
    const g = new Graph();
    const x = g.input('x', [2, 3, 4]);
    const e = ops.exp(x);
    const spec = {
      outputs: {
        view: ops.reshape(e, [6, 4]), input: ops.reshape(x, [24]), sg: ops.stopGradient(e),
        read: ops.relu(ops.reshape(ops.stopGradient(e), [4, 6])), kernel: ops.matmul(ops.reshape(e, [6, 4]), ops.reshape(x, [4, 6])),
      },
    };
    const exe = (await new WebGpuBackend(gpu!.device).compile(spec)) as WebGpuExecutable;
    // exp, relu and the matmul: no copies
    expect(exe.stepLabels.filter((l) => l === 'copy')).toEqual([]);
    expect(exe.dispatchCount).toBe(3);
    exe.destroy();
    expect((await compareWithReference(new WebGpuBackend(gpu!.device), spec, { x: randomArray(24, 8) })).worst).toBeLessThan(1e-6);
  });

  test('slots follow the plan: an input of a late group outlives the kernels between', async () => {
    // relu(m1) is recomputed by the final add, so m1 must survive the matmuls between them.
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
