/** CompileSpec.shareStateWith on WebGPU: the case every backend runs, and no buffers for the shared states. */
import { expect, test } from 'vitest';
import { Graph, SHARED_STATE_EXPECTED, ops, runSharedStateCase } from '@dogo/core';
import { getTestGpu } from '../test_device.js';
import { WebGpuBackend } from './webgpu_backend.js';

const gpu = await getTestGpu();

test.skipIf(!gpu)('the inference executable sees the training step\'s updates and writes, and outlives it', async () => {
  const o = await runSharedStateCase(new WebGpuBackend(gpu!.device));
  expect(o.before).toEqual(SHARED_STATE_EXPECTED.before);
  expect(o.afterTrain).toEqual(SHARED_STATE_EXPECTED.afterTrain);
  expect(o.trainSeesWrite).toEqual(SHARED_STATE_EXPECTED.trainSeesWrite);
  expect(o.afterSourceDestroyed).toEqual(SHARED_STATE_EXPECTED.afterSourceDestroyed);
  expect(o.ownState).toEqual(SHARED_STATE_EXPECTED.ownState);
  expect(o.shapeError).toMatch(SHARED_STATE_EXPECTED.shapeError);
  expect(o.initialError).toMatch(SHARED_STATE_EXPECTED.initialError);
  expect(o.destroyedError).toMatch(SHARED_STATE_EXPECTED.destroyedError);
});

test.skipIf(!gpu)('a sharing executable creates no buffer for the shared weights; another backend\'s executable is refused', async () => {
  const backend = new WebGpuBackend(gpu!.device);
  const g = new Graph();
  const w = g.state('w', [1 << 16]);
  const train = await backend.compile({ outputs: { s: ops.sum(w) }, updates: { w: ops.mul(w, 0.5) } });
  const h = new Graph();
  const infer = await backend.compile({ outputs: { s: ops.sum(h.state('w', [1 << 16])) }, shareStateWith: train });
  expect(infer.bufferBytes).toBeLessThan(train.bufferBytes - (1 << 18) + 4096);
  await train.run({});
  expect((await infer.run({}))['s']!.data[0]).toBe(0);
  const other = new WebGpuBackend(gpu!.device);
  await expect(other.compile({ outputs: { s: ops.sum(new Graph().state('w', [1 << 16])) }, shareStateWith: train })).rejects.toThrow(/same WebGpuBackend/);
  infer.destroy();
  train.destroy();
});
