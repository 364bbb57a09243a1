/**
 * createBackend on Node: wasm without loading Dawn (its native module is absent from the process until WebGPU is
 * asked for), auto's choice and reason, webgpu through Dawn, unknown names. Dawn is checked through the process
 * report's list of loaded shared objects, so this file must not load it before the wasm test.
 */
import { expect, test } from 'vitest';
import { Graph, UnknownBackendError, ops, type Backend } from '@dogo/core';
import { createBackend, selectBackend } from './index.js';

function dawnLoaded(): boolean {
  const report = process.report.getReport() as unknown as { sharedObjects: string[] };
  return report.sharedObjects.some((s) => s.endsWith('dawn.node'));
}

async function addOne(backend: Backend): Promise<number[]> {
  const g = new Graph();
  const exe = await backend.compile({ outputs: { y: ops.add(g.input('x', [3]), 1) } });
  const y = Array.from((await exe.run({ x: Float32Array.of(1, 2, 3) }))['y']!.data);
  exe.destroy();
  return y;
}

test('wasm runs a step and never loads Dawn', async () => {
  const lines: string[] = [];
  const backend = await createBackend('wasm', { threads: 1, log: (l) => lines.push(l) });
  expect(backend.name).toBe('wasm');
  expect(await addOne(backend)).toEqual([2, 3, 4]);
  expect(lines).toEqual(['backend: asked for wasm: wasm, 1 thread']);
  expect(dawnLoaded()).toBe(false);
});

test('an unknown name is refused with the allowed ones', async () => {
  await expect(createBackend('cuda' as 'wasm')).rejects.toThrow(UnknownBackendError);
  await expect(createBackend('cuda' as 'wasm')).rejects.toThrow(/choose one of: auto, wasm, webgpu/);
});

test('auto takes WebGPU only on a hardware adapter, else wasm, and says why', async () => {
  const { backend, reason } = await selectBackend('auto', { threads: 1 });
  if (backend.name === 'webgpu') expect(reason).toMatch(/^auto: hardware adapter: WebGPU on "/);
  else expect(reason).toMatch(/^auto: (no hardware WebGPU adapter|WebGPU failed .*): wasm, 1 thread$/);
  expect(await addOne(backend)).toEqual([2, 3, 4]);
  expect(dawnLoaded()).toBe(true);
});

test('webgpu through Dawn (SwiftShader where there is no GPU)', async (ctx) => {
  let backend: Backend;
  try {
    backend = await createBackend('webgpu');
  } catch (e) {
    if ((e as Error).name !== 'NoAdapterError' || process.env.CI === 'true') throw e;
    process.stderr.write('[webgpu tests] SKIPPED: no WebGPU adapter for createBackend(\'webgpu\')\n');
    ctx.skip('no WebGPU adapter (apt-get install chromium libvulkan1)');
    return;
  }
  expect(backend.name).toBe('webgpu');
  expect(await addOne(backend)).toEqual([2, 3, 4]);
});
