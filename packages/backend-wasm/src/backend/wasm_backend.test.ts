/**
 * The wasm backend on whole steps: a small ResNet-like network trained one step (forward loss and every
 * parameter gradient against the reference backend), state updates and fetch order, the executable API,
 * state shared between executables, and steady-state runs that allocate nothing in wasm memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Graph, ReferenceBackend, batchNorm, checkSharedState, crossEntropy, globalAvgPool, grad, linear, ops, adam, FeedError, BackendError,
  type Node, type HostTensor,
} from '@dogo/core';
import { WasmRuntime } from '../runtime/wasm_runtime.js';
import { WasmBackend, type WasmBackendOptions } from './wasm_backend.js';
import { testWorkerHost } from './test_worker_host.js';

function rand(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}
const normal = (r: () => number, n: number, scale: number) => Float32Array.from({ length: n }, () => (r() + r() + r() - 1.5) * 2 * scale);

/** A two-block ResNet-like classifier with batch norm in training mode, its loss and every gradient. */
function resnetStep(n: number, c: number, hw: number, classes: number) {
  const g = new Graph();
  const x = g.input('x', [n, 3, hw, hw]);
  const labels = g.input('labels', [n], 'int32');
  const params: Record<string, number[]> = {};
  const p = (name: string, shape: number[]) => { params[name] = shape; return g.state(name, shape); };
  const updates: Record<string, Node> = {};
  const bn = (name: string, y: Node) => {
    const r = batchNorm(y, p(`${name}.gamma`, [c]), p(`${name}.beta`, [c]), g.state(`${name}.rm`, [c]), g.state(`${name}.rv`, [c]), { training: true });
    updates[`${name}.rm`] = r.runningMean;
    updates[`${name}.rv`] = r.runningVar;
    return r.y;
  };
  let y = ops.relu(bn('bn0', ops.conv2d(x, p('conv0', [c, 3, 3, 3]), { padding: [1, 1] })));
  y = ops.maxPool2d(y, { kernel: [3, 3], stride: [2, 2], padding: [1, 1] });
  for (const b of ['b1', 'b2']) {
    const h = ops.relu(bn(`${b}.bn1`, ops.conv2d(y, p(`${b}.conv1`, [c, c, 3, 3]), { padding: [1, 1] })));
    const o = bn(`${b}.bn2`, ops.conv2d(h, p(`${b}.conv2`, [c, c, 3, 3]), { padding: [1, 1] }));
    y = ops.relu(ops.add(o, y));
  }
  const logits = linear(globalAvgPool(y), p('fc.w', [classes, c]), p('fc.b', [classes]));
  const loss = crossEntropy(logits, labels);
  const names = Object.keys(params);
  const grads = grad(loss, names.map((k) => g.states.get(k)!));
  const outputs: Record<string, Node> = { loss };
  names.forEach((k, i) => (outputs[`grad:${k}`] = grads[i]!));
  const r = rand(7);
  const initialState: Record<string, Float32Array> = {};
  for (const [k, shape] of Object.entries(params)) {
    const size = shape.reduce((a, b) => a * b, 1);
    initialState[k] = k.endsWith('.gamma') ? Float32Array.from({ length: size }, () => 0.5 + r()) : normal(r, size, 1 / Math.sqrt(size / shape[0]!));
  }
  const feeds: Record<string, HostTensor> = {
    x: { shape: [n, 3, hw, hw], dtype: 'float32', data: normal(r, n * 3 * hw * hw, 1) },
    labels: { shape: [n], dtype: 'int32', data: Int32Array.from({ length: n }, () => Math.floor(r() * classes)) },
  };
  return { outputs, updates, initialState, feeds, loss, params };
}

function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < want.length; i++) { num += (got[i]! - want[i]!) ** 2; den += want[i]! ** 2; }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);
}

describe('wasm backend', () => {
  const runtimes: Record<number, WasmRuntime> = {};
  beforeAll(async () => {
    runtimes[1] = await WasmRuntime.create({ threads: 1, warmUp: false });
    runtimes[2] = await WasmRuntime.create({ threads: 2, workerHost: testWorkerHost(), warmUp: false });
  });
  afterAll(() => { for (const rt of Object.values(runtimes)) rt.dispose(); });

  it('trains a ResNet-like step: loss and every parameter gradient match the reference (1 and 2 threads)', async () => {
    const s = resnetStep(8, 16, 16, 10);
    const ref = await (await new ReferenceBackend().compile({ outputs: s.outputs, updates: s.updates, initialState: s.initialState })).run(s.feeds);
    for (const threads of [1, 2]) {
      const exe = await new WasmBackend(runtimes[threads]!).compile({ outputs: s.outputs, updates: s.updates, initialState: s.initialState });
      const got = await exe.run(s.feeds);
      for (const [k, want] of Object.entries(ref)) expect(relErr(got[k]!.data, want.data), `${k} on ${threads} thread(s)`).toBeLessThan(1e-4);
      exe.destroy();
    }
  });

  it('matches the reference with every convolution algorithm forced and with tuning on', async () => {
    const s = resnetStep(8, 16, 16, 10);
    const spec = { outputs: s.outputs, updates: s.updates, initialState: s.initialState };
    const ref = await (await new ReferenceBackend().compile(spec)).run(s.feeds);
    const variants: WasmBackendOptions[] = [
      { convAlgorithm: 'im2col' }, { convAlgorithm: 'winograd_f2' }, { convAlgorithm: 'winograd_f4' }, { convAlgorithm: 'winograd_f6' }, { tune: 'quick' },
    ];
    for (const options of variants) {
      const exe = await new WasmBackend(runtimes[2]!, options).compile(spec);
      const got = await exe.run(s.feeds);
      const what = JSON.stringify(options);
      // every 3x3 stride-1 convolution (forward, input and weight gradient) runs the forced algorithm
      if (options.convAlgorithm) expect(exe.convChoices.filter((c) => c.algorithm === options.convAlgorithm).length, what).toBeGreaterThan(6);
      for (const [k, want] of Object.entries(ref)) expect(relErr(got[k]!.data, want.data), `${k} with ${what}`).toBeLessThan(1e-4);
      exe.destroy();
    }
  });

  it('runs bigger layouts on two threads exactly as on one (splits by channel, by column, by row)', async () => {
    const g = new Graph();
    const x = g.input('x', [16, 24, 20, 20]), m = g.input('m', [600, 300]);
    const mean = ops.mean(x, [0, 2, 3], true);
    const outputs = {
      bn: ops.relu(ops.div(ops.sub(x, mean), ops.sqrt(ops.add(ops.mean(ops.square(ops.sub(x, mean)), [0, 2, 3], true), 1e-5)))),
      cols: ops.sum(ops.mul(m, m), [0]), rows: ops.max(m, [1], true), t: ops.transpose(m, [1, 0]), all: ops.sum(ops.exp(ops.mul(m, 0.1))),
    };
    const r = rand(3);
    const feeds = { x: normal(r, 16 * 24 * 400, 2), m: normal(r, 600 * 300, 1) };
    const [a, b] = await Promise.all([1, 2].map(async (t) => (await new WasmBackend(runtimes[t]!).compile({ outputs })).run(feeds)));
    for (const k of Object.keys(outputs)) expect(Array.from(b![k]!.data), k).toEqual(Array.from(a![k]!.data));
    const ref = await (await new ReferenceBackend().compile({ outputs })).run(feeds);
    for (const k of Object.keys(outputs)) expect(relErr(a![k]!.data, ref[k]!.data), k).toBeLessThan(1e-5);
  });

  it('applies state updates after fetches, across runs (Adam on two threads)', async () => {
    const g = new Graph();
    const w = g.state('w', [70000]), gr = g.input('g', [70000]);
    const m = g.state('m', [70000]), v = g.state('v', [70000]);
    const r = adam(w, gr, m, v, { lr: 0.01, step: 1, decoupled: true, weightDecay: 0.1 });
    const spec = { outputs: { w, next: r.param }, updates: { w: r.param, m: r.m, v: r.v }, initialState: { w: normal(rand(1), 70000, 1) } };
    const feeds = { g: normal(rand(2), 70000, 1) };
    const ref = await new ReferenceBackend().compile(spec);
    const exe = await new WasmBackend(runtimes[2]!).compile(spec);
    for (let step = 0; step < 3; step++) {
      const [want, got] = [await ref.run(feeds), await exe.run(feeds)];
      expect(relErr(got['w']!.data, want['w']!.data)).toBeLessThan(1e-6);
      expect(relErr(got['next']!.data, want['next']!.data)).toBeLessThan(1e-6);
    }
    expect(relErr((await exe.readState('v')).data, (await ref.readState('v')).data)).toBeLessThan(1e-6);
  });

  it('allocates nothing in wasm memory once compiled, and keeps its launch list', async () => {
    const s = resnetStep(4, 8, 8, 5);
    const rt = runtimes[2]!;
    const exe = await new WasmBackend(rt).compile({ outputs: s.outputs, updates: s.updates, initialState: s.initialState });
    await exe.run(s.feeds);
    const before = { allocs: rt.arena.allocations, bytes: rt.arena.allocatedBytes, buffer: rt.memory.buffer, launches: exe.launchCount };
    const losses: number[] = [];
    for (let k = 0; k < 4; k++) losses.push((await exe.run(s.feeds, { fetch: ['loss'] }))['loss']!.data[0]!);
    expect({ allocs: rt.arena.allocations, bytes: rt.arena.allocatedBytes, buffer: rt.memory.buffer, launches: exe.launchCount }).toEqual(before);
    expect(losses.every((l) => Number.isFinite(l))).toBe(true);
    const bytes = rt.arena.allocatedBytes;
    exe.destroy();
    expect(rt.arena.allocatedBytes).toBeLessThan(bytes);
  });

  it('applies updates that read other states (a swap) and constants as of the start of the step', async () => {
    const g = new Graph();
    const a = g.state('a', [5]), b = g.state('b', [5]), c = g.state('c', [2], 'int32');
    const spec = {
      outputs: { s: ops.add(a, b) },
      updates: { a: b, b: a, c: g.constant([7, -7], [2], 'int32') },
      initialState: { a: Float32Array.from([1, 2, 3, 4, 5]), b: Float32Array.from([5, 4, 3, 2, 1]) },
    };
    const exe = await new WasmBackend(runtimes[1]!).compile(spec);
    await exe.run({});
    expect(Array.from((await exe.readState('a')).data)).toEqual([5, 4, 3, 2, 1]);
    expect(Array.from((await exe.readState('b')).data)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from((await exe.readState('c')).data)).toEqual([7, -7]);
    await exe.run({});
    expect(Array.from((await exe.readState('a')).data)).toEqual([1, 2, 3, 4, 5]);
    exe.destroy();
  });

  it('reads and writes state, checks feeds and fetches, refuses to run after destroy', async () => {
    const g = new Graph();
    const w = g.state('w', [3]), x = g.input('x', [3]);
    const exe = await new WasmBackend(runtimes[1]!).compile({ outputs: { y: ops.mul(w, x), w }, updates: { w: ops.add(w, 1) } });
    expect(Array.from((await exe.readState('w')).data)).toEqual([0, 0, 0]);
    await exe.writeState('w', Float32Array.from([1, 2, 3]));
    const out = await exe.run({ x: Float32Array.from([2, 2, 2]) });
    expect(Array.from(out['y']!.data)).toEqual([2, 4, 6]);
    expect(Array.from(out['w']!.data)).toEqual([1, 2, 3]);
    expect(Array.from((await exe.readState('w')).data)).toEqual([2, 3, 4]);
    await expect(exe.run({})).rejects.toThrow(FeedError);
    await expect(exe.run({ x: Float32Array.from([1, 1, 1]), z: Float32Array.of(1) })).rejects.toThrow(/names no input/);
    await expect(exe.run({ x: Float32Array.from([1, 1, 1]) }, { fetch: ['nope'] })).rejects.toThrow(/names no output/);
    await expect(exe.readState('nope')).rejects.toThrow(FeedError);
    exe.destroy();
    await expect(exe.run({ x: Float32Array.from([1, 1, 1]) })).rejects.toThrow(BackendError);
  });

  it('shares state between executables of one runtime, not across runtimes; reports its memory budget', async () => {
    const backend = new WasmBackend(runtimes[1]!);
    await checkSharedState(backend);
    const g = new Graph();
    const w = g.state('w', [3]);
    const a = await backend.compile({ outputs: { w } });
    await expect(new WasmBackend(runtimes[2]!).compile({ outputs: { y: ops.mul(w, 2) }, shareStateWith: [a] })).rejects.toThrow(/cannot share state with this wasm backend; compile both on one backend instance \(one wasm runtime/);
    const before = backend.memoryBudget();
    const big = g.state('big', [2 ** 20]);
    const b = await backend.compile({ outputs: { big } });
    expect(before.bytes - backend.memoryBudget().bytes).toBeGreaterThanOrEqual(4 * 2 ** 20);
    expect(before.bytes).toBeLessThan(2 ** 32);
    expect(before.source).toMatch(/4 GiB of wasm32 memory less/);
    b.destroy();
    a.destroy();
  });
});
