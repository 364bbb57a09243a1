import { describe, expect, it } from 'vitest';
import { Graph, ReferenceBackend, Rng, ShapeError, grad, ops, type Node } from '@dogo/core';
import { ForwardContext } from './forward_context.js';
import { BatchNorm1d, BatchNorm2d } from '../layers/batch_norm.js';
import { Conv2d } from '../layers/conv2d.js';
import { ProjectionHead, LinearClassifier } from '../heads/heads.js';
import { resnetSmall } from '../resnet/resnet.js';

const EPS = 1e-5;

function randn(n: number, seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.normal());
}

/** Per-channel mean and unbiased variance of x [N,C,H,W]. */
function channelStats(x: Float32Array, n: number, c: number, hw: number): { mean: number[]; varUnbiased: number[]; varBiased: number[] } {
  const mean: number[] = [];
  const varUnbiased: number[] = [];
  const varBiased: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    const v: number[] = [];
    for (let b = 0; b < n; b++) for (let i = 0; i < hw; i++) v.push(x[(b * c + ch) * hw + i]!);
    const m = v.reduce((a, q) => a + q, 0) / v.length;
    const ss = v.reduce((a, q) => a + (q - m) ** 2, 0);
    mean.push(m);
    varUnbiased.push(ss / (v.length - 1));
    varBiased.push(ss / v.length);
  }
  return { mean, varUnbiased, varBiased };
}

describe('ForwardContext and batch norm state', () => {
  it('training mode normalises with batch statistics and updates running_mean / running_var (momentum 0.1)', async () => {
    const g = new Graph();
    const bn = new BatchNorm2d(3);
    const ctx = new ForwardContext(g, { training: true, prefix: 'm.' });
    const y = bn.forward(ctx, g.input('x', [4, 3, 2, 2]));
    expect([...ctx.updates.keys()]).toEqual(['m.running_mean', 'm.running_var']);
    expect(ctx.stateNames()).toEqual(['m.weight', 'm.bias', 'm.running_mean', 'm.running_var']);
    const x = randn(48, 1);
    const exe = await new ReferenceBackend().compile({ outputs: { y }, updates: Object.fromEntries(ctx.updates), initialState: prefixed('m.', bn.initialState(new Rng(0))) });
    const out = (await exe.run({ x }))['y']!.data;
    const s = channelStats(x, 4, 3, 4);
    expect(out[0]).toBeCloseTo((x[0]! - s.mean[0]!) / Math.sqrt(s.varBiased[0]! + EPS), 10);
    const rm = Array.from((await exe.readState('m.running_mean')).data as Float64Array);
    const rv = Array.from((await exe.readState('m.running_var')).data as Float64Array);
    rm.forEach((v, i) => expect(v).toBeCloseTo(0.1 * s.mean[i]!, 12));
    rv.forEach((v, i) => expect(v).toBeCloseTo(0.9 + 0.1 * s.varUnbiased[i]!, 12));
  });

  it('eval mode normalises with the running statistics and registers no updates', async () => {
    const g = new Graph();
    const bn = new BatchNorm1d(2);
    const ctx = new ForwardContext(g, { training: false });
    const y = bn.forward(ctx, g.input('x', [3, 2]));
    expect(ctx.updates.size).toBe(0);
    const state = { weight: Float32Array.of(2, 3), bias: Float32Array.of(0.5, -1), running_mean: Float32Array.of(1, -2), running_var: Float32Array.of(4, 0.25) };
    const exe = await new ReferenceBackend().compile({ outputs: { y }, initialState: state });
    const x = Float32Array.of(1, 2, 3, 4, -5, 6);
    const out = (await exe.run({ x }))['y']!.data;
    const want = Array.from(x, (v, i) => {
      const c = i % 2;
      return ((v - state.running_mean[c]!) / Math.sqrt(state.running_var[c]! + EPS)) * state.weight[c]! + state.bias[c]!;
    });
    Array.from(out).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
  });

  it('a batch norm applied twice in training mode updates its running statistics twice in sequence', async () => {
    const g = new Graph();
    const bn = new BatchNorm1d(1);
    const ctx = new ForwardContext(g, { training: true });
    const a = bn.forward(ctx, g.input('a', [2, 1]));
    const b = bn.forward(ctx, g.input('b', [2, 1]));
    expect(ctx.updates.size).toBe(2);
    const exe = await new ReferenceBackend().compile({ outputs: { a, b }, updates: Object.fromEntries(ctx.updates), initialState: bn.initialState(new Rng(0)) });
    await exe.run({ a: Float32Array.of(1, 3), b: Float32Array.of(10, 20) });
    const rm = (await exe.readState('running_mean')).data[0]!;
    expect(rm).toBeCloseTo(0.9 * (0.1 * 2) + 0.1 * 15, 12);
  });

  it('applying a model twice in one graph shares its parameter leaves', () => {
    const g = new Graph();
    const model = resnetSmall({ stageChannels: [2, 4], blocksPerStage: 1 });
    const ctx = new ForwardContext(g, { training: true, prefix: 'student.encoder.' });
    const f1 = model.forward(ctx, g.input('v1', [2, 3, 4, 4]));
    const f2 = model.forward(ctx, g.input('v2', [2, 3, 4, 4]));
    const specs = [...model.namedParameters()].map(([n]) => `student.encoder.${n}`);
    expect(ctx.stateNames()).toEqual(specs);
    expect([...g.states.keys()]).toEqual(specs);
    // A second context with the same prefix reuses the leaves; another prefix makes new ones.
    model.forward(new ForwardContext(g, { training: false, prefix: 'student.encoder.' }), g.input('v3', [1, 3, 4, 4]));
    expect(g.states.size).toBe(specs.length);
    model.forward(new ForwardContext(g, { training: false, prefix: 'peer.encoder.' }), g.input('v4', [1, 3, 4, 4]));
    expect(g.states.size).toBe(2 * specs.length);
    // Gradients reach each shared leaf once, through both applications.
    const params = [...model.namedParameters()].filter(([, s]) => s.trainable).map(([n]) => g.states.get(`student.encoder.${n}`)!);
    const grads = grad(ops.add(ops.sum(f1), ops.sum(f2)), params);
    expect(grads.map((d: Node) => d.shape)).toEqual(params.map((p) => p.shape));
  });

  it('scopes node labels and parameter names torchvision-style', () => {
    const g = new Graph();
    const model = resnetSmall({ stageChannels: [2, 4], blocksPerStage: 1 });
    const ctx = new ForwardContext(g, { training: false });
    model.forward(ctx, g.input('x', [1, 3, 4, 4]));
    const convLabels = g.nodes.filter((n) => n.op === 'conv2d').map((n) => n.label);
    expect(convLabels).toEqual(['conv1', 'layer1.0.conv1', 'layer1.0.conv2', 'layer2.0.conv1', 'layer2.0.conv2', 'layer2.0.downsample.0']);
    expect(ctx.child('layer2').child('0').path).toBe('layer2.0.');
  });

  it('refuses a leaf of another shape, an update of a trainable parameter and bad input shapes', () => {
    const g = new Graph();
    g.state('conv.weight', [1]);
    const ctx = new ForwardContext(g, { training: true });
    const conv = new Conv2d(3, 2, 3);
    expect(() => ctx.call('conv', conv, g.input('x', [1, 3, 5, 5]))).toThrow(ShapeError);
    expect(() => ctx.setUpdate(conv.weight, g.fill(0, [2, 3, 3, 3]))).toThrow(/only buffers/);
    expect(() => conv.forward(new ForwardContext(g, { training: true }), g.input('y', [1, 2, 5, 5]))).toThrow(/\[N,3,H,W\]/);
    expect(() => new BatchNorm2d(2).forward(ctx, g.input('z', [4, 2]))).toThrow(/BatchNorm2d\(2\)/);
  });

  it('heads keep torch.nn names: ProjectionHead is a Sequential, LinearClassifier a Linear', () => {
    const head = new ProjectionHead(8, 16, 4);
    expect([...head.namedParameters()].map(([n, s]) => `${n} ${s.shape.join('x')} ${s.kind}`)).toEqual([
      '0.weight 16x8 weight',
      '1.weight 16 bn_weight',
      '1.bias 16 bn_bias',
      '1.running_mean 16 running_mean',
      '1.running_var 16 running_var',
      '3.weight 4x16 weight',
      '3.bias 4 bias',
    ]);
    const g = new Graph();
    const ctx = new ForwardContext(g, { training: true, prefix: 'student.head.' });
    expect(head.forward(ctx, g.input('f', [5, 8])).shape).toEqual([5, 4]);
    expect([...ctx.updates.keys()]).toEqual(['student.head.1.running_mean', 'student.head.1.running_var']);
    const cls = new LinearClassifier(8, 3);
    expect([...cls.namedParameters()].map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(new ProjectionHead(32).outDim).toBe(128);
  });
});

function prefixed(prefix: string, values: Record<string, Float32Array>): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [prefix + k, v]));
}
