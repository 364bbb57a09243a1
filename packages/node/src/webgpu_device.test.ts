import { expect, test } from 'vitest';
import { NoAdapterError, requestNodeGpuDevice } from './index.js';
import { SWIFTSHADER_ICD } from './webgpu_vulkan_env.js';

const driverWasConfigured = !!(process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES);

test('requestNodeGpuDevice gives a device described in the shared info shape', async (ctx) => {
  let handle;
  try {
    handle = await requestNodeGpuDevice();
  } catch (e) {
    if (e instanceof NoAdapterError && process.env.CI !== 'true') {
      console.warn(`[webgpu tests] SKIPPED: ${e.message}`);
      // The closing line of the run groups skips by the install command at the end of the note.
      ctx.skip('no WebGPU adapter from Dawn (apt-get install chromium libvulkan1)');
    }
    throw e;
  }
  const { device, info, note } = handle;
  expect(typeof device.createBuffer).toBe('function');
  expect(info.features).toEqual([...info.features].sort());
  expect(info.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
  expect(typeof info.name).toBe('string');
  if (/swiftshader/i.test(info.architecture + info.description)) {
    expect(info.isSoftware).toBe(true);
    if (!driverWasConfigured) {
      expect(note).toMatch(/SwiftShader/);
      expect(process.env.VK_ICD_FILENAMES).toBe(SWIFTSHADER_ICD);
    }
  }
  device.destroy();
});

test('NoAdapterError lists what was tried when the configured driver is missing', async () => {
  const saved = process.env.VK_ICD_FILENAMES;
  process.env.VK_ICD_FILENAMES = '/nonexistent/dogo_test_icd.json';
  try {
    const err = await requestNodeGpuDevice().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(NoAdapterError);
    expect((err as NoAdapterError).tried[0]).toMatch(/VK_ICD_FILENAMES=\/nonexistent\/dogo_test_icd.json: no adapter/);
    expect((err as Error).message).toMatch(/Install a GPU driver|libvulkan/);
  } finally {
    if (saved === undefined) delete process.env.VK_ICD_FILENAMES;
    else process.env.VK_ICD_FILENAMES = saved;
  }
});
