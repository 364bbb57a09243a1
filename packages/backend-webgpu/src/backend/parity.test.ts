/**
 * Parity: a small ResNet-like training step built from core ops (conv, training-mode batch norm, ReLU,
 * residual add, max pool, global average pool, linear, cross entropy) gives the same loss, parameter
 * gradients and running statistics on WebGPU as on the reference backend, with and without fusion, and with
 * every GEMM-shaped step tuned away from the fixed rule.
 */
import { describe, expect, test } from 'vitest';
import { Graph, MemoryTuningCache, attrsOf, batchNorm, crossEntropy, globalAvgPool, grad, linear, ops, type Node } from '@dogo/core';
import { getTestGpu } from '../test_device.js';
import { randomArray } from '../testing/util.js';
import { compareWithReference } from '../testing/parity.js';
import { WebGpuBackend } from './webgpu_backend.js';
import type { WebGpuExecutable } from './executable.js';
import { choiceName } from '../tuning/gemm_choice.js';

const gpu = await getTestGpu();

function tinyResNetStep() {
  const g = new Graph();
  const [n, c, h, w, classes] = [4, 4, 8, 8, 3];
  const x = g.input('x', [n, 3, h, w]);
  const labels = g.input('labels', [n], 'int32');
  const params: Node[] = [];
  const initialState: Record<string, Float32Array> = {};
  let seed = 10;
  const param = (name: string, shape: number[], lo: number, hi: number) => {
    const p = g.state(name, shape);
    params.push(p);
    initialState[name] = randomArray(shape.reduce((a, b) => a * b, 1), seed++, lo, hi);
    return p;
  };
  const updates: Record<string, Node> = {};
  const conv = (name: string, input: Node, cin: number) => {
    const k = 1 / Math.sqrt(cin * 9);
    return ops.conv2d(input, param(`${name}.weight`, [c, cin, 3, 3], -k, k), { padding: [1, 1] });
  };
  const bn = (name: string, input: Node) => {
    const mean = g.state(`${name}.running_mean`, [c]);
    const variance = g.state(`${name}.running_var`, [c]);
    initialState[`${name}.running_var`] = new Float32Array(c).fill(1);
    const r = batchNorm(input, param(`${name}.weight`, [c], 0.8, 1.2), param(`${name}.bias`, [c], -0.1, 0.1), mean, variance, { training: true });
    updates[`${name}.running_mean`] = r.runningMean;
    updates[`${name}.running_var`] = r.runningVar;
    return r.y;
  };
  const stem = ops.relu(bn('bn0', conv('conv0', x, 3)));
  const branch = bn('bn2', conv('conv2', ops.relu(bn('bn1', conv('conv1', stem, c))), c));
  const block = ops.relu(ops.add(branch, stem));
  const pooled = globalAvgPool(ops.maxPool2d(block, { kernel: [2, 2] }));
  const logits = linear(pooled, param('fc.weight', [classes, c], -0.5, 0.5), param('fc.bias', [classes], -0.1, 0.1));
  const loss = crossEntropy(logits, labels);
  const grads = grad(loss, params);
  const outputs: Record<string, Node> = { loss };
  params.forEach((p, k) => (outputs[`grad:${attrsOf(p, 'state').name}`] = grads[k]!));
  const feeds = { x: randomArray(n * 3 * h * w, 1, -2, 2), labels: Int32Array.from([0, 2, 1, 2]) };
  return { spec: { outputs, updates, initialState }, feeds };
}

describe.skipIf(!gpu)('parity with the reference backend', () => {
  for (const fusePointwise of [true, false]) {
    test(`tiny ResNet: loss, every parameter gradient and the running statistics agree (fusion ${fusePointwise ? 'on' : 'off'})`, async () => {
      const backend = new WebGpuBackend(gpu!.device, { fusePointwise });
      const { spec, feeds } = tinyResNetStep();
      const r = await compareWithReference(backend, spec, feeds, 2);
      const names = Object.keys(r.errors);
      expect(names.filter((k) => k.startsWith('grad:'))).toHaveLength(11);
      expect(names.filter((k) => k.startsWith('state:') && k.includes('running'))).toHaveLength(6);
      for (const [name, e] of Object.entries(r.errors)) expect(e, name).toBeLessThan(1e-4);
      expect(Math.abs(r.got['loss']!.data[0]! - r.want['loss']!.data[0]!)).toBeLessThan(1e-5);
      if (fusePointwise) {
        const exe = (await backend.compile(spec)) as WebGpuExecutable;
        const unfusedCount = (await new WebGpuBackend(gpu!.device, { fusePointwise: false }).compile(spec)) as WebGpuExecutable;
        // Fusion removes a good share of the step's dispatches.
        expect(exe.dispatchCount).toBeLessThan(unfusedCount.dispatchCount * 0.75);
        exe.destroy();
        unfusedCount.destroy();
      }
    });
  }

  test('conv gradients through split-K (dweight) and stride phases (dx) agree', async () => {
    // batch*oh*ow = 4*32*32 = 4096 makes the first conv's weight gradient split-K; the stride-2 conv's
    // input gradient runs as 4 phase GEMMs.
    const g = new Graph();
    const x = g.input('x', [4, 3, 32, 32]);
    const w0 = g.state('w0', [4, 3, 3, 3]);
    const w1 = g.state('w1', [6, 4, 3, 3]);
    const h = ops.relu(ops.conv2d(x, w0, { padding: [1, 1] }));
    const y = ops.conv2d(h, w1, { stride: [2, 2], padding: [1, 1] });
    const loss = ops.sum(ops.mul(y, y));
    const [gw0, gw1] = grad(loss, [w0, w1]);
    const spec = { outputs: { loss, gw0: gw0!, gw1: gw1! }, initialState: { w0: randomArray(108, 41, -0.3, 0.3), w1: randomArray(216, 42, -0.2, 0.2) } };
    const backend = new WebGpuBackend(gpu!.device);
    const exe = (await backend.compile(spec)) as WebGpuExecutable;
    expect(exe.stepLabels).toContain('conv2d_backward_weight_splitk');
    expect(exe.stepLabels).toContain('conv2d_backward_data_phases');
    exe.destroy();
    const r = await compareWithReference(backend, spec, { x: randomArray(4 * 3 * 32 * 32, 43, -1, 1) });
    for (const [name, e] of Object.entries(r.errors)) expect(e, name).toBeLessThan(1e-4);
  });

  test('tuned (quick): with a clock on which the last candidate always wins, no step runs the rule and all agree', async () => {
    // Each timing is shorter than the one before, so every step keeps its last candidate: the least rule-like
    // (candidates are still built; running them is left to the parity check).
    let clock = 1e9;
    const backend = new WebGpuBackend(gpu!.device, {
      tune: 'quick', tuningCache: new MemoryTuningCache(), adapter: gpu!.handle.info,
      measure: async () => clock--,
    });
    const { spec, feeds } = tinyResNetStep();
    const exe = (await backend.compile(spec)) as WebGpuExecutable;
    exe.destroy();
    expect(exe.kernelChoices.length).toBeGreaterThan(5);
    for (const c of exe.kernelChoices) {
      expect(c.source).toBe('timed');
      expect(choiceName(c.choice), `${c.label} ${c.op}`).toBe(c.timings!.at(-1)!.name);
      expect(choiceName(c.choice), `${c.label} ${c.op}`).not.toBe(c.timings![0]!.name);
    }
    const r = await compareWithReference(backend, spec, feeds, 2);
    for (const [name, e] of Object.entries(r.errors)) expect(e, name).toBeLessThan(1e-4);
  }, 600_000);
});
