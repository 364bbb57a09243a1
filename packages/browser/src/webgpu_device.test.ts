import { afterEach, expect, test } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AdapterLimitError, NoAdapterError, requestBrowserGpuDevice } from './index.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const g = globalThis as { navigator?: unknown };
const savedNavigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
afterEach(() => {
  if (savedNavigator) Object.defineProperty(globalThis, 'navigator', savedNavigator);
  else delete g.navigator;
});

function setNavigator(value: unknown): void {
  Object.defineProperty(globalThis, 'navigator', { value, configurable: true, writable: true });
}

/** Dawn's GPU standing in for navigator.gpu (SwiftShader where nothing else is configured). */
async function dawnGpu(): Promise<GPU | null> {
  if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  process.env.XDG_RUNTIME_DIR ??= mkdtempSync(path.join(tmpdir(), 'dogo-xdg-'));
  const { create } = await import('webgpu');
  const gpu = create([]);
  return (await gpu.requestAdapter()) ? gpu : null;
}

test('no navigator.gpu: NoAdapterError says how to get WebGPU', async () => {
  setNavigator({});
  const err = await requestBrowserGpuDevice().then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(NoAdapterError);
  expect((err as Error).message).toMatch(/navigator\.gpu is undefined.*Chrome/);
});

test('requestAdapter() null: NoAdapterError', async () => {
  setNavigator({ gpu: { requestAdapter: async () => null } });
  await expect(requestBrowserGpuDevice()).rejects.toThrow(/returned no adapter/);
});

test('navigator.gpu backed by Dawn: device, info, software note, limit errors', async (ctx) => {
  const gpu = await dawnGpu();
  if (!gpu) {
    if (process.env.CI === 'true') throw new Error('no WebGPU adapter from Dawn in CI');
    process.stderr.write('[webgpu tests] SKIPPED: no Dawn adapter for the browser adapter test\n');
    ctx.skip('no WebGPU adapter from Dawn (apt-get install chromium libvulkan1)');
  }
  setNavigator({ gpu });
  const handle = await requestBrowserGpuDevice();
  expect(handle.info.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
  if (handle.info.isSoftware) expect(handle.note).toMatch(/runs on the CPU/);
  handle.device.destroy();
  await expect(requestBrowserGpuDevice({ requiredLimits: { maxStorageBufferBindingSize: 2 ** 52 } })).rejects.toThrow(AdapterLimitError);
  if (handle.info.isSoftware) await expect(requestBrowserGpuDevice({ requireHardware: true })).rejects.toThrow(NoAdapterError);
});
