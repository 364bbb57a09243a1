/**
 * The user-level training API on the reference backend: a supervised classifier with batch norm trained by
 * compileTrainStep + fit and evaluated by an inference pass sharing its weights; each optimiser's first update
 * against a hand computation; a self-supervised (NT-Xent) loss; the errors that say what to do.
 */
import { describe, expect, test } from 'vitest';
import { Graph, ReferenceBackend, Rng, crossEntropy, ntXent, ops, type Node } from '@dogo/core';
import {
  BatchNorm1d, ForwardContext, Linear, ReLU, Sequential, accuracy, adam, adamw, compileInference, compileTrainStep, fit, lars, lrSchedule, sgd,
  NonFiniteLossError, OptimizerError, type LabeledData,
} from '../index.js';

const backend = new ReferenceBackend();

/** Two Gaussian blobs per class in 4 dimensions: 3 classes, linearly separable with a margin. */
function blobs(count: number, seed: number): LabeledData & { inputs: Float32Array } {
  const rng = new Rng(seed);
  const inputs = new Float32Array(count * 4);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % 3;
    labels[i] = c;
    for (let d = 0; d < 4; d++) inputs[i * 4 + d] = (d === c ? 3 : 0) + rng.normal(0, 0.5);
  }
  return { inputs, labels, count };
}

function mlp(): Sequential {
  return new Sequential(new Linear(4, 16), new BatchNorm1d(16), new ReLU(), new Linear(16, 3));
}

/** The classifier's training graph: logits of x through `model` in training mode, cross entropy against y. */
function classifierLoss(model: Sequential, batch: number): { loss: Node; ctx: ForwardContext } {
  const g = new Graph();
  const x = g.input('x', [batch, 4]);
  const y = g.input('y', [batch], 'int32');
  const ctx = new ForwardContext(g, { training: true });
  return { loss: crossEntropy(model.forward(ctx, x), y), ctx };
}

function evalGraph(model: Sequential, batch: number): Node {
  const g = new Graph();
  return model.forward(new ForwardContext(g, { training: false }), g.input('x', [batch, 4]));
}

describe('parameters and buffers', () => {
  test('Module.parameters() is PyTorch\'s named_parameters(); buffers() the running statistics', () => {
    const model = mlp();
    expect(model.parameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '3.weight', '3.bias']);
    expect(model.buffers().map(([n]) => n)).toEqual(['1.running_mean', '1.running_var']);
    const { ctx } = classifierLoss(model, 6);
    expect(ctx.parameters().map((p) => p.name)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '3.weight', '3.bias']);
    expect(ctx.buffers().map((p) => p.name)).toEqual(['1.running_mean', '1.running_var']);
    // The same values as the model's initialState for the same seed (no prefix).
    expect(ctx.initialValues(7)).toEqual(model.initialState(new Rng(7)));
  });
});

describe('compileTrainStep, fit and compileInference', () => {
  test('a classifier with batch norm learns separable blobs; the inference pass sees the trained weights without a copy', async () => {
    const model = mlp();
    const { loss, ctx } = classifierLoss(model, 12);
    const step = await compileTrainStep(backend, { loss, optimizer: adam(ctx.parameters(), { lr: 0.05 }), seed: 1 });
    expect(step.bufferNames).toEqual(['1.running_mean', '1.running_var']);
    const predict = await compileInference(backend, { outputs: { logits: evalGraph(model, 10) }, shareWith: step });
    const test = blobs(60, 2);
    const before = await accuracy(predict, test);
    const epochs: number[] = [];
    const summaries = await fit(step, blobs(120, 1), { epochs: 4, onEpochEnd: (e) => { epochs.push(e.epoch); } });
    expect(epochs).toEqual([0, 1, 2, 3]);
    expect(summaries.every((s) => s.steps === 10)).toBe(true);
    expect(summaries[3]!.loss).toBeLessThan(0.5 * summaries[0]!.loss);
    // The same compiled pass, now on the trained weights and running statistics.
    const after = await accuracy(predict, test);
    expect(after).toBeGreaterThan(0.95);
    expect(after).toBeGreaterThan(before);
    // Batch norm's running statistics were updated by the step (the optimiser carried them along).
    const state = await step.stateDict();
    expect(Array.from(state['1.running_mean']!).some((v) => Math.abs(v) > 1e-3)).toBe(true);
    // A fresh eval graph with the weights copied (rounded to float32: the reference backend keeps float64) agrees.
    const copy = await compileInference(backend, { outputs: { logits: evalGraph(model, 10) }, initialState: state });
    const x = { x: test.inputs.subarray(0, 40) };
    const shared = (await predict.run(x))['logits']!.data;
    (await copy.run(x))['logits']!.data.forEach((v, i) => expect(v).toBeCloseTo(shared[i]!, 4));
    predict.destroy();
    copy.destroy();
    step.destroy();
  });

  test('a self-supervised loss (NT-Xent between two noisy views) trains with the same call', async () => {
    const encoder = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 4));
    const g = new Graph();
    const x = g.input('x', [8, 4]);
    const noise = [g.input('noise.a', [8, 4]), g.input('noise.b', [8, 4])];
    const ctx = new ForwardContext(g, { training: true });
    const [za, zb] = noise.map((n) => encoder.forward(ctx, ops.add(x, n))) as [Node, Node];
    const step = await compileTrainStep(backend, { loss: ntXent(za, zb, 0.5), optimizer: sgd(ctx.parameters(), { lr: 0.2, momentum: 0.9 }) });
    expect(step.inputNames.sort()).toEqual(['noise.a', 'noise.b', 'x']);
    const data = blobs(8, 3).inputs;
    const rng = new Rng(4);
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const n = () => Float32Array.from({ length: 32 }, () => rng.normal(0, 0.1));
      losses.push((await step.run({ x: data, 'noise.a': n(), 'noise.b': n() })).loss);
    }
    expect(losses.slice(-5).reduce((a, b) => a + b) / 5).toBeLessThan(0.8 * (losses.slice(0, 5).reduce((a, b) => a + b) / 5));
    step.destroy();
  });
});

describe('optimisers: the first update of w for loss = sum(w * c)', () => {
  const c = [0.5, -2, 1];
  const w0 = [1, 1, 1];
  async function firstUpdate(make: (ctx: ForwardContext) => Parameters<typeof compileTrainStep>[1]['optimizer']): Promise<number[]> {
    const lin = new Linear(3, 1, false);
    const g = new Graph();
    const ctx = new ForwardContext(g, { training: true });
    const out = lin.forward(ctx, g.constant(c, [1, 3]));
    const step = await compileTrainStep(backend, { loss: ops.reshape(out, [1]), optimizer: make(ctx), initialState: { weight: Float32Array.from(w0) } });
    await step.run({});
    const w = Array.from((await step.stateDict())['weight']!);
    step.destroy();
    return w;
  }
  const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));

  test('Adam moves every weight by lr against the sign of its gradient', async () => {
    close(await firstUpdate((ctx) => adam(ctx.parameters(), { lr: 0.1 })), c.map((g, i) => w0[i]! - 0.1 * Math.sign(g)));
  });
  test('AdamW first decays the weights by lr·wd', async () => {
    close(await firstUpdate((ctx) => adamw(ctx.parameters(), { lr: 0.1, weightDecay: 0.5 })), c.map((g, i) => w0[i]! * (1 - 0.05) - 0.1 * Math.sign(g)));
  });
  test('SGD with weight decay adds wd·w to the gradient; a schedule feeds its first rate', async () => {
    const lr = lrSchedule({ base: 0.4, totalSteps: 10, warmupSteps: 4 });
    close(await firstUpdate((ctx) => sgd(ctx.parameters(), { lr, weightDecay: 0.1 })), c.map((g, i) => w0[i]! - 0.1 * (g + 0.1 * w0[i]!)));
  });
  test('LARS scales the step by eta·|w|/|g|', async () => {
    const norm = (v: number[]) => Math.sqrt(v.reduce((a, b) => a + b * b, 0));
    const trust = (0.01 * norm(w0)) / norm(c);
    close(await firstUpdate((ctx) => lars(ctx.parameters(), { lr: 1, eta: 0.01 })), c.map((g, i) => w0[i]! - trust * g));
  });
});

describe('errors say what to do', () => {
  test('no parameters, running statistics as parameters, minimize twice, a NaN loss', async () => {
    const model = mlp();
    const { loss, ctx } = classifierLoss(model, 6);
    expect(() => adam([], { lr: 1 })).toThrow(/no parameters; pass ctx.parameters\(\)/);
    expect(() => adam(ctx.buffers(), { lr: 1 })).toThrow(OptimizerError);
    const opt = adam(ctx.parameters(), { lr: 1 });
    opt.minimize(loss);
    expect(() => opt.minimize(loss)).toThrow(/already called/);
    const g = new Graph();
    const w = new Linear(1, 1, false);
    const wctx = new ForwardContext(g, { training: true });
    const y = ops.reshape(ops.log(w.forward(wctx, g.fill(1, [1, 1]))), [1]);
    const step = await compileTrainStep(backend, { loss: y, optimizer: sgd(wctx.parameters(), { lr: 1 }), initialState: { weight: Float32Array.of(-1) } });
    await expect(step.run({})).rejects.toThrow(NonFiniteLossError);
    step.destroy();
  });
});
