import { describe, expect, test } from 'vitest';
import { AdapterLimitError } from '../device.js';
import { BackendError, FeedError, Graph, OPS, ops, type Node, type OpName } from '@dogo/core';
import { getTestGpu } from '../test_device.js';
import { randomArray } from '../testing/util.js';
import { compareWithReference } from '../testing/parity.js';
import { WebGpuBackend } from './webgpu_backend.js';
import type { WebGpuExecutable } from './executable.js';

const gpu = await getTestGpu();
const backend = gpu ? new WebGpuBackend(gpu.device) : null;
const unfused = gpu ? new WebGpuBackend(gpu.device, { fusePointwise: false }) : null;

const opsSeen = new Set<OpName>();

/** A graph with float inputs of the given shapes, seeded; `build` returns the outputs. */
async function check(shapes: Record<string, number[]>, build: (x: Record<string, Node>, g: Graph) => Record<string, Node>, tol = 1e-5, positive = false) {
  const g = new Graph();
  const x: Record<string, Node> = {};
  const feeds: Record<string, Float32Array> = {};
  Object.entries(shapes).forEach(([name, s], k) => {
    x[name] = g.input(name, s);
    feeds[name] = randomArray(s.reduce((a, b) => a * b, 1), 100 + k, positive ? 0.2 : -2, 2);
  });
  const outputs = build(x, g);
  for (const n of g.nodes) opsSeen.add(n.op);
  for (const b of [backend!, unfused!]) {
    const r = await compareWithReference(b, { outputs }, feeds);
    expect(r.worst, JSON.stringify(r.errors)).toBeLessThan(tol);
  }
}

describe.skipIf(!gpu)('WebGpuBackend: every primitive op against the reference backend', () => {
  test('unary pointwise ops', async () => {
    await check({ x: [3, 5] }, ({ x }) => ({
      neg: ops.neg(x!), exp: ops.exp(x!), relu: ops.relu(x!), abs: ops.abs(x!), square: ops.square(x!), tanh: ops.tanh(x!),
      sigmoid: ops.sigmoid(x!), step: ops.step(x!), sign: ops.sign(x!),
    }));
    await check({ x: [7] }, ({ x }) => ({ log: ops.log(x!), sqrt: ops.sqrt(x!), rsqrt: ops.rsqrt(x!), reciprocal: ops.reciprocal(x!) }), 1e-5, true);
  });

  test('binary pointwise ops with broadcasting', async () => {
    await check({ a: [2, 3, 4], b: [3, 1] }, ({ a, b }) => ({
      add: ops.add(a!, b!), sub: ops.sub(b!, a!), mul: ops.mul(a!, b!), div: ops.div(a!, ops.add(ops.abs(b!), 1)),
      maximum: ops.maximum(a!, b!), minimum: ops.minimum(a!, b!), pow: ops.pow(ops.abs(a!), b!),
      equal: ops.equal(a!, a!), greater: ops.greater(a!, b!), greater_equal: ops.greaterEqual(a!, b!), less_equal: ops.lessEqual(a!, b!),
    }));
  });

  test('sum and max over any axes, with and without keepdims', async () => {
    await check({ x: [2, 3, 4, 5] }, ({ x }) => ({
      all: ops.sum(x!), last: ops.sum(x!, [3], true), first: ops.max(x!, [0]), bn: ops.sum(x!, [0, 2, 3], true), mid: ops.max(x!, [1, 2]),
      split: ops.max(x!, [0, 2], true), none: ops.sum(x!, []), long: ops.sum(ops.reshape(x!, [120]), [0]),
    }));
  });

  test('layout ops: reshape, transpose, broadcast_to, slice, pad, concat', async () => {
    await check({ x: [2, 3, 4], y: [2, 1, 4] }, ({ x, y }) => ({
      reshape: ops.reshape(x!, [6, 4]), transpose: ops.transpose(x!, [2, 0, 1]), broadcast: ops.broadcastTo(y!, [2, 3, 4]),
      slice: ops.slice(x!, [1, 1, 0], [1, 2, 3]), pad: ops.pad(x!, [0, 1, 2], [1, 0, 1]), concat: ops.concat([x!, y!, x!], 1),
      concat0: ops.concat([x!, x!], 0), identity: ops.transpose(ops.reshape(x!, [24, 1]), [0, 1]),
    }));
  });

  test('matmul with every transpose combination', async () => {
    await check({ a: [5, 7], b: [7, 3], at: [7, 5], bt: [3, 7] }, ({ a, b, at, bt }) => ({
      nn: ops.matmul(a!, b!), tn: ops.matmul(at!, b!, { transposeA: true }), nt: ops.matmul(a!, bt!, { transposeB: true }),
      tt: ops.matmul(at!, bt!, { transposeA: true, transposeB: true }),
    }));
  });

  test('conv2d and both backward ops; pooling and both backward ops', async () => {
    await check({ x: [2, 3, 7, 7], w: [4, 3, 3, 3], dy: [2, 4, 4, 4], pdy: [2, 3, 3, 3], ady: [2, 3, 4, 4] }, ({ x, w, dy, pdy, ady }) => {
      const conv = { stride: [2, 2], padding: [1, 1] };
      const pool = { kernel: [3, 3], stride: [2, 2], padding: [1, 1] };
      return {
        conv: ops.conv2d(x!, w!, conv), dx: ops.conv2dBackwardData(dy!, w!, conv, x!.shape), dw: ops.conv2dBackwardWeight(x!, dy!, conv, w!.shape),
        max: ops.maxPool2d(x!, { kernel: [3, 3], stride: [2, 2] }), avg: ops.avgPool2d(x!, pool),
        maxb: ops.node('max_pool2d_backward', [x!, pdy!], { kernel: [3, 3], stride: [2, 2], padding: [0, 0] }),
        avgb: ops.node('avg_pool2d_backward', [ady!], { ...pool, inputShape: x!.shape }),
      };
    }, 1e-4);
  });

  test('int32 values: one_hot, cast both ways, int32 layout, stop_gradient, constants and fills', async () => {
    await check({ x: [4, 3] }, ({ x }, g) => {
      const labels = g.constant([2, 0, 5, -1], [4], 'int32');
      const asInt = ops.cast(ops.mul(x!, 3), 'int32');
      return {
        onehot: ops.oneHot(labels, 3), trunc: asInt, back: ops.cast(asInt, 'float32'), intT: ops.transpose(asInt, [1, 0]),
        sg: ops.stopGradient(x!), filled: ops.add(x!, g.fill(0.25, [4, 3])), same: ops.cast(x!, 'float32'),
      };
    });
    // int32 feeds and fetches
    const g = new Graph();
    const labels = g.input('labels', [5], 'int32');
    const exe = await backend!.compile({ outputs: { y: ops.oneHot(labels, 4), l: ops.reshape(labels, [5, 1]) } });
    const out = await exe.run({ labels: Int32Array.from([3, 1, 0, 7, 2]) });
    expect(out['l']!.data).toEqual(Int32Array.from([3, 1, 0, 7, 2]));
    expect(Array.from(out['y']!.data)).toEqual([0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    exe.destroy();
  });

  test('resized_crop: per-sample boxes, flips, boxes past the border', async () => {
    await check({ x: [3, 2, 9, 11] }, ({ x }, g) => {
      const boxes = g.constant([1, 2, 5, 7, 0, 0, 0, 9, 11, 1, 4, 6, 7, 8, 1], [3, 5]);
      return { up: ops.resizedCrop(x!, boxes, [8, 6]), down: ops.resizedCrop(x!, boxes, [3, 4]) };
    });
  });

  test('covers every primitive op of the core registry', () => {
    const leaves: OpName[] = ['input', 'state', 'constant', 'fill'];
    const missing = (Object.keys(OPS) as OpName[]).filter((op) => !opsSeen.has(op) && !leaves.includes(op));
    expect(missing).toEqual([]);
  });
});

describe.skipIf(!gpu)('WebGpuExecutable: runs, state, errors', () => {
  function sgdStep() {
    const g = new Graph();
    const x = g.input('x', [4, 3]);
    const w = g.state('w', [3, 2]);
    const v = g.state('v', [3, 2]);
    const y = ops.matmul(x, w);
    const loss = ops.sum(ops.square(y));
    const dw = ops.mul(ops.matmul(x, y, { transposeA: true }), 2);
    const nextV = ops.add(ops.mul(v, 0.9), dw);
    return { outputs: { loss, w }, updates: { w: ops.sub(w, ops.mul(nextV, 0.01)), v: nextV } };
  }

  test('steady-state runs create no buffers, pipelines or bind groups and match the reference', async () => {
    const spec = { ...sgdStep(), initialState: { w: randomArray(6, 5) } };
    const feeds = { x: randomArray(12, 6) };
    const exe = (await backend!.compile(spec)) as WebGpuExecutable;
    await exe.run(feeds);
    const before = { ...backend!.runner.counts };
    for (let i = 0; i < 3; i++) await exe.run(feeds);
    await exe.run(feeds, { fetch: ['loss'] });
    expect(backend!.runner.counts).toEqual(before);
    exe.destroy();
    const r = await compareWithReference(backend!, spec, feeds, 5);
    expect(r.worst, JSON.stringify(r.errors)).toBeLessThan(1e-5);
  });

  test('a fetched state shows the value the step started with; updates apply after; swaps stay swaps', async () => {
    const g = new Graph();
    const a = g.state('a', [3]);
    const b = g.state('b', [3]);
    const exe = await backend!.compile({ outputs: { a, b }, updates: { a: b, b: a }, initialState: { a: Float32Array.of(1, 2, 3), b: Float32Array.of(4, 5, 6) } });
    const first = await exe.run({});
    expect(Array.from(first['a']!.data)).toEqual([1, 2, 3]);
    expect(Array.from((await exe.readState('a')).data)).toEqual([4, 5, 6]);
    expect(Array.from((await exe.readState('b')).data)).toEqual([1, 2, 3]);
    await exe.writeState('a', Float32Array.of(7, 8, 9));
    const second = await exe.run({}, { fetch: ['a'] });
    expect(Object.keys(second)).toEqual(['a']);
    expect(Array.from(second['a']!.data)).toEqual([7, 8, 9]);
    exe.destroy();
    await expect(exe.run({})).rejects.toThrow(BackendError);
  });

  test('feed errors come from the core checks; unknown fetches and initial states are rejected', async () => {
    const g = new Graph();
    const x = g.input('x', [2, 2]);
    const exe = await backend!.compile({ outputs: { y: ops.relu(x) } });
    await expect(exe.run({})).rejects.toThrow(/"x" is missing/);
    await expect(exe.run({ x: new Float32Array(3) })).rejects.toThrow(FeedError);
    await expect(exe.run({ x: new Float32Array(4), z: new Float32Array(1) })).rejects.toThrow(/names no input/);
    await expect(exe.run({ x: new Float32Array(4) }, { fetch: ['nope'] })).rejects.toThrow(/names no output/);
    // Float64 feeds are accepted (converted to float32).
    expect(Array.from((await exe.run({ x: Float64Array.of(-1, 2, -3, 4) }))['y']!.data)).toEqual([0, 2, 0, 4]);
    exe.destroy();
    const s = g.state('s', [2]);
    await expect(backend!.compile({ outputs: { s }, initialState: { t: new Float32Array(2) } })).rejects.toThrow(/names no state/);
  });

  test('a value larger than maxStorageBufferBindingSize fails to compile with AdapterLimitError', async () => {
    const limit = gpu!.device.limits.maxStorageBufferBindingSize;
    const g = new Graph();
    const x = g.input('x', [Math.ceil(limit / 4) + 64]);
    const err = await backend!.compile({ outputs: { y: ops.relu(x) } }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(AdapterLimitError);
    expect(err).toMatchObject({ limit: 'maxStorageBufferBindingSize', available: limit });
    expect((err as Error).message).toMatch(/maxStorageBufferBindingSize = \d+, but \d+ is needed/);
  });
});
