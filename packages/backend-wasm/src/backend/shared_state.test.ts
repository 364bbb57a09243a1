/**
 * CompileSpec.shareStateWith on the wasm backend: the case every backend runs, no arena bytes for the shared
 * states, every byte back when both executables are gone, and refusal of another runtime's executable.
 */
import { afterAll, expect, test } from 'vitest';
import { Graph, SHARED_STATE_EXPECTED, ops, runSharedStateCase } from '@dogo/core';
import { WasmRuntime } from '../runtime/wasm_runtime.js';
import { WasmBackend } from './wasm_backend.js';
import { testWorkerHost } from './test_worker_host.js';

const runtimes: WasmRuntime[] = [];
afterAll(() => runtimes.forEach((r) => r.dispose()));

async function backendOn(threads: number): Promise<WasmBackend> {
  const rt = await WasmRuntime.create({ threads, warmUp: false, ...(threads > 1 ? { workerHost: testWorkerHost() } : {}) });
  runtimes.push(rt);
  return new WasmBackend(rt);
}

for (const threads of [1, 2]) {
  test(`${threads} thread(s): the inference executable sees the training step's updates and writes, and outlives it`, async () => {
    const backend = await backendOn(threads);
    await runSharedStateCase(backend); // the runtime's scratch areas are made on first use
    const base = backend.runtime.arena.allocatedBytes;
    const o = await runSharedStateCase(backend);
    expect(o.before).toEqual(SHARED_STATE_EXPECTED.before);
    expect(o.afterTrain).toEqual(SHARED_STATE_EXPECTED.afterTrain);
    expect(o.trainSeesWrite).toEqual(SHARED_STATE_EXPECTED.trainSeesWrite);
    expect(o.afterSourceDestroyed).toEqual(SHARED_STATE_EXPECTED.afterSourceDestroyed);
    expect(o.ownState).toEqual(SHARED_STATE_EXPECTED.ownState);
    expect(o.shapeError).toMatch(SHARED_STATE_EXPECTED.shapeError);
    expect(o.initialError).toMatch(SHARED_STATE_EXPECTED.initialError);
    expect(o.destroyedError).toMatch(SHARED_STATE_EXPECTED.destroyedError);
    expect(backend.runtime.arena.allocatedBytes).toBe(base);
  });
}

test('a sharing executable allocates no arena bytes for the shared weights', async () => {
  const backend = await backendOn(1);
  const g = new Graph();
  const w = g.state('w', [1 << 16]);
  const train = await backend.compile({ outputs: { s: ops.sum(w) }, updates: { w: ops.mul(w, 0.5) } });
  const before = backend.runtime.arena.allocatedBytes;
  const h = new Graph();
  const infer = await backend.compile({ outputs: { s: ops.sum(h.state('w', [1 << 16])) }, shareStateWith: train });
  // One float32 output and its bookkeeping, not another 256 KiB of weights.
  expect(backend.runtime.arena.allocatedBytes - before).toBeLessThan(4096);
  infer.destroy();
  train.destroy();
});

test('shareStateWith refuses an executable of another runtime', async () => {
  const [a, b] = [await backendOn(1), await backendOn(1)];
  const g = new Graph();
  const w = g.state('w', [2]);
  const exe = await a.compile({ outputs: { s: ops.sum(w) } });
  const h = new Graph();
  await expect(b.compile({ outputs: { s: ops.sum(h.state('w', [2])) }, shareStateWith: exe })).rejects.toThrow(/same WasmRuntime/);
  exe.destroy();
});
