/** Reverse-mode autodiff: accumulation, blocking, errors, and whole networks against finite differences. */
import { describe, expect, it } from 'vitest';
import {
  Graph, GradientError, ReferenceBackend, batchNorm, crossEntropy, globalAvgPool, grad, gradcheck, linear, ops,
  type GradcheckInput, type HostTensor, type Node,
} from '../index.js';

/** Runs the nodes on the reference backend and returns their values as plain arrays. */
async function evaluate(outputs: Record<string, Node>, feeds: Record<string, Float64Array | Int32Array> = {}): Promise<Record<string, number[]>> {
  const exe = await new ReferenceBackend().compile({ outputs });
  try {
    const got: Record<string, HostTensor> = await exe.run(feeds);
    return Object.fromEntries(Object.entries(got).map(([k, t]) => [k, [...t.data]]));
  } finally {
    exe.destroy();
  }
}

describe('grad', () => {
  it('labels gradient nodes with the label of the node they differentiate, whatever scope grad runs in, and marks them', () => {
    const g = new Graph();
    const x = g.input('x', [1, 2, 5, 5]);
    const w = g.state('w', [3, 2, 3, 3]);
    const y = g.scope('encoder', () => g.scope('conv1', () => ops.conv2d(x, w, { padding: [1, 1] })));
    expect(y.label).toBe('encoder.conv1');
    const [dx, dw] = g.scope('outer', () => grad(ops.sum(y), [x, w]));
    expect([dx!.op, dx!.label]).toEqual(['conv2d_backward_data', 'encoder.conv1']);
    expect([dw!.op, dw!.label]).toEqual(['conv2d_backward_weight', 'encoder.conv1']);
    // marked as gradient nodes, so passes (recomputation) still tell them from the forward nodes of that layer
    expect([dx!.gradient, dw!.gradient, y.gradient, x.gradient]).toEqual([true, true, false, false]);
    // the scope is restored afterwards
    expect(g.scope('after', () => ops.neg(x)).label).toBe('after');
  });

  it('accumulates fan-out: d/dx sum(x*x + x) = 2x + 1', async () => {
    const g = new Graph();
    const x = g.input('x', [4]);
    const [dx] = grad(ops.sum(ops.add(ops.mul(x, x), x)), [x]);
    expect(dx!.shape).toEqual([4]);
    const xs = Float64Array.from([-1.5, 0, 0.25, 3]);
    const { dx: got } = await evaluate({ dx: dx! }, { x: xs });
    expect(got).toEqual([...xs].map((v) => 2 * v + 1));
  });

  it('uses the seed as the upstream gradient of a non-scalar output', async () => {
    const g = new Graph();
    const x = g.input('x', [3]);
    const s = g.input('s', [3]);
    const [dx] = grad(ops.exp(x), [x], { seed: s });
    const xs = Float64Array.from([0, 1, -1]);
    const ss = Float64Array.from([2, -1, 0.5]);
    const { dx: got } = await evaluate({ dx: dx! }, { x: xs, s: ss });
    got!.forEach((v, i) => expect(v).toBeCloseTo(ss[i]! * Math.exp(xs[i]!), 12));
  });

  it('stop_gradient blocks the gradient', async () => {
    const g = new Graph();
    const x = g.input('x', [3]);
    const [dProduct] = grad(ops.sum(ops.mul(x, ops.stopGradient(x))), [x]);
    const [dBlocked] = grad(ops.sum(ops.stopGradient(ops.exp(x))), [x]);
    const xs = Float64Array.from([1, -2, 0.5]);
    const got = await evaluate({ dProduct: dProduct!, dBlocked: dBlocked! }, { x: xs });
    expect(got['dProduct']).toEqual([...xs]); // x, not 2x
    expect(got['dBlocked']).toEqual([0, 0, 0]);
  });

  it('zero-gradient ops (step, comparisons, one_hot, cast) contribute nothing and raise nothing', async () => {
    const g = new Graph();
    const x = g.input('x', [3]);
    const y = ops.add(ops.add(ops.step(x), ops.greater(x, 0)), ops.cast(ops.cast(x, 'int32'), 'float32'));
    const loss = ops.sum(ops.add(y, x));
    const [dx] = grad(loss, [x]);
    const got = await evaluate({ loss, dx: dx! }, { x: Float64Array.from([1.5, -2, 0.5]) });
    expect(got['loss']).toEqual([3]); // step [1,0,1] + greater [1,0,1] + trunc [1,-2,0] + x [1.5,-2,0.5]
    expect(got['dx']).toEqual([1, 1, 1]);
  });

  it('returns zeros for a wrt the loss does not reach', async () => {
    const g = new Graph();
    const x = g.input('x', [2]);
    const unused = g.input('unused', [2, 3]);
    const loss = ops.sum(ops.square(x));
    const later = g.state('later', [4]); // created after the loss
    const [dx, dUnused, dLater] = grad(loss, [x, unused, later]);
    expect(dUnused!.shape).toEqual([2, 3]);
    expect(dLater!.shape).toEqual([4]);
    const got = await evaluate({ dx: dx!, dUnused: dUnused!, dLater: dLater! }, { x: Float64Array.from([1, 2]) });
    expect(got['dx']).toEqual([2, 4]);
    expect(got['dUnused']).toEqual([0, 0, 0, 0, 0, 0]);
    expect(got['dLater']).toEqual([0, 0, 0, 0]);
  });

  it('raises GradientError through an op without a gradient rule, naming the op', () => {
    const g = new Graph();
    const x = g.input('x', [1, 1, 4, 4]);
    const dy = g.input('dy', [1, 1, 2, 2]);
    const dx = g.node('max_pool2d_backward', [x, dy], { kernel: [2, 2], stride: [2, 2], padding: [0, 0] });
    expect(() => grad(ops.sum(dx), [dy])).toThrow(GradientError);
    expect(() => grad(ops.sum(dx), [dy])).toThrow(/op "max_pool2d_backward".*stop_gradient/);
    // Behind a stop_gradient the same graph differentiates.
    expect(() => grad(ops.sum(ops.stopGradient(dx)), [dy])).not.toThrow();
  });

  it('raises GradientError for a non-scalar loss without seed and for a mismatched seed', () => {
    const g = new Graph();
    const x = g.input('x', [3]);
    expect(() => grad(ops.exp(x), [x])).toThrow(/has 3 elements; pass a seed/);
    expect(() => grad(ops.exp(x), [x], { seed: g.input('s', [2]) })).toThrow(GradientError);
  });
});

const rows = (r: { report: string }) => r.report;

describe('grad: whole networks against finite differences', () => {
  it('MLP: linear-relu-linear-cross_entropy, every parameter and the input', async () => {
    const inputs: Record<string, GradcheckInput> = {
      x: { shape: [4, 5] },
      w1: { shape: [6, 5], range: [-0.8, 0.8] },
      b1: { shape: [6], range: [-0.3, 0.3] },
      w2: { shape: [3, 6], range: [-0.8, 0.8] },
      b2: { shape: [3], range: [-0.3, 0.3] },
      labels: { shape: [4], dtype: 'int32', data: [0, 2, 1, 2] },
    };
    const r = await gradcheck(
      ({ x, w1, b1, w2, b2, labels }) => crossEntropy(linear(ops.relu(linear(x!, w1!, b1)), w2!, b2), labels!),
      inputs,
      { seed: 1 },
    );
    expect(r.ok, rows(r)).toBe(true);
    expect(r.inputs.map((i) => i.name)).toEqual(['x', 'w1', 'b1', 'w2', 'b2']);
  });

  it('conv net: conv2d-batch_norm(train)-relu-max_pool2d-global_avg_pool-linear-cross_entropy', async () => {
    const inputs: Record<string, GradcheckInput> = {
      x: { shape: [2, 2, 5, 5] },
      conv: { shape: [3, 2, 3, 3], range: [-0.5, 0.5] },
      gamma: { shape: [3], range: [0.5, 1.5] },
      beta: { shape: [3], range: [-0.2, 0.2] },
      runningMean: { shape: [3], check: false },
      runningVar: { shape: [3], range: [0.5, 1.5], check: false },
      fc: { shape: [4, 3] },
      fcBias: { shape: [4] },
      labels: { shape: [2], dtype: 'int32', data: [3, 1] },
    };
    const r = await gradcheck(({ x, conv, gamma, beta, runningMean, runningVar, fc, fcBias, labels }) => {
      const h = ops.conv2d(x!, conv!, { padding: [1, 1] });
      const bn = batchNorm(h, gamma!, beta!, runningMean!, runningVar!, { training: true });
      const p = ops.maxPool2d(ops.relu(bn.y), { kernel: [2, 2] });
      return crossEntropy(linear(globalAvgPool(p), fc!, fcBias), labels!);
    }, inputs, { seed: 2 });
    expect(r.ok, rows(r)).toBe(true);
    expect(r.inputs.map((i) => i.name)).toEqual(['x', 'conv', 'gamma', 'beta', 'fc', 'fcBias']);
  });
});
