/**
 * The executable's contract on WebGPU: steady-state runs allocate nothing, fetches and state updates (a
 * fetched state shows the step's starting value; swaps, also through views, stay swaps), state shared
 * between executables, int32 feeds and fetches, feed errors, adapter limits and the memory budget. Every op's numbers: op_parity.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { AdapterLimitError } from '../device.js';
import { BackendError, FeedError, Graph, checkSharedState, ops } from '@dogo/core';
import { getTestGpu } from '../test_device.js';
import { randomArray } from '../testing/util.js';
import { compareWithReference } from '../testing/parity.js';
import { WebGpuBackend } from './webgpu_backend.js';
import type { WebGpuExecutable } from './executable.js';

const gpu = await getTestGpu();
const backend = gpu ? new WebGpuBackend(gpu.device) : null;

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

  test('states updated to views of each other swap; a state updated to a view of itself keeps its value', async () => {
    const g = new Graph();
    const a = g.state('a', [2, 3]);
    const b = g.state('b', [6]);
    const c = g.state('c', [3, 2]);
    const exe = await backend!.compile({
      outputs: {}, updates: { a: ops.reshape(b, [2, 3]), b: ops.reshape(a, [6]), c: ops.reshape(ops.stopGradient(ops.reshape(c, [6])), [3, 2]) },
      initialState: { a: Float32Array.of(1, 2, 3, 4, 5, 6), b: Float32Array.of(7, 8, 9, 10, 11, 12), c: Float32Array.of(6, 5, 4, 3, 2, 1) },
    });
    await exe.run({});
    expect(Array.from((await exe.readState('a')).data)).toEqual([7, 8, 9, 10, 11, 12]);
    expect(Array.from((await exe.readState('b')).data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from((await exe.readState('c')).data)).toEqual([6, 5, 4, 3, 2, 1]);
    exe.destroy();
  });

  test('executables of one device share state leaves (shareStateWith); the budget follows memoryBytes', async () => {
    await checkSharedState(backend!);
    expect(backend!.memoryBudget()).toMatchObject({ bytes: Infinity, maxBufferBytes: Math.min(gpu!.device.limits.maxStorageBufferBindingSize, gpu!.device.limits.maxBufferSize) });
    const limited = new WebGpuBackend(gpu!.device, { memoryBytes: 1 << 20 });
    const g = new Graph();
    const exe = await limited.compile({ outputs: { w: g.state('w', [1024]) } });
    expect(limited.memoryBudget().bytes).toBe((1 << 20) - (exe as WebGpuExecutable).bufferBytes);
    exe.destroy();
    expect(limited.memoryBudget().bytes).toBe(1 << 20);
  });

  test('int32 feeds and fetches, also through a view', async () => {
    const g = new Graph();
    const labels = g.input('labels', [5], 'int32');
    const exe = await backend!.compile({ outputs: { y: ops.oneHot(labels, 4), l: ops.reshape(labels, [5, 1]) } });
    const out = await exe.run({ labels: Int32Array.from([3, 1, 0, 7, 2]) });
    expect(out['l']!.data).toEqual(Int32Array.from([3, 1, 0, 7, 2]));
    expect(Array.from(out['y']!.data)).toEqual([0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    exe.destroy();
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
