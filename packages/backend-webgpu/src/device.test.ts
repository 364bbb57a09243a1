import { expect, test } from 'vitest';
import { AdapterLimitError, DeviceLostError, deviceActivity, describeAdapter, requireLimits } from './device.js';
import { KernelRunner } from './kernel_runner.js';

function fakeAdapter(info: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean }, limits: Record<string, number> = {}): GPUAdapter {
  return { info, features: new Set<string>(['timestamp-query']), limits } as unknown as GPUAdapter;
}

test('describeAdapter flags software adapters', () => {
  expect(describeAdapter(fakeAdapter({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0' })).isSoftware).toBe(true);
  expect(describeAdapter(fakeAdapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).isSoftware).toBe(true);
  expect(describeAdapter(fakeAdapter({ vendor: 'x', isFallbackAdapter: true })).isSoftware).toBe(true);
  const hw = describeAdapter(fakeAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100' }, { maxBufferSize: 1 << 30 }));
  expect(hw).toMatchObject({ isSoftware: false, name: 'NVIDIA H100', features: ['timestamp-query'], limits: { maxBufferSize: 1 << 30 } });
});

test('requireLimits names the limit, the value needed and the adapter value', () => {
  const adapter = fakeAdapter({ description: 'Tiny GPU' }, { maxStorageBufferBindingSize: 1 << 27, minStorageBufferOffsetAlignment: 256 });
  expect(requireLimits(adapter, { maxStorageBufferBindingSize: 1 << 20, minStorageBufferOffsetAlignment: 256 })).toEqual({ maxStorageBufferBindingSize: 1 << 20, minStorageBufferOffsetAlignment: 256 });
  const err = (() => {
    try {
      requireLimits(adapter, { maxStorageBufferBindingSize: 1 << 30 });
    } catch (e) {
      return e as AdapterLimitError;
    }
  })();
  expect(err).toBeInstanceOf(AdapterLimitError);
  expect(err).toMatchObject({ limit: 'maxStorageBufferBindingSize', needed: 1 << 30, available: 1 << 27 });
  expect(err!.message).toMatch(/Tiny GPU.*maxStorageBufferBindingSize = 134217728.*1073741824/);
  expect(() => requireLimits(adapter, { minStorageBufferOffsetAlignment: 64 })).toThrow(AdapterLimitError);
  expect(() => requireLimits(adapter, { maxComputeWorkgroupStorageSize: 1 })).toThrow(/does not report/);
});

test('a lost device raises DeviceLostError quoting the current activity; destroy() does not', async () => {
  let lose!: (info: GPUDeviceLostInfo) => void;
  const device = { lost: new Promise<GPUDeviceLostInfo>((r) => (lose = r)) } as unknown as GPUDevice;
  const runner = new KernelRunner(device);
  const seen: DeviceLostError[] = [];
  runner.activity.onLost((e) => seen.push(e));
  runner.activity.set('running step 7 (conv2d_backward_weight)');
  lose({ reason: 'unknown', message: 'VK_ERROR_DEVICE_LOST' } as GPUDeviceLostInfo);
  await Promise.resolve();
  await Promise.resolve();
  expect(seen).toHaveLength(1);
  expect(() => runner.submit([])).toThrow(DeviceLostError);
  expect(seen[0]!.message).toMatch(/while running step 7 \(conv2d_backward_weight\): VK_ERROR_DEVICE_LOST/);

  const destroyed = { lost: Promise.resolve({ reason: 'destroyed', message: '' }) } as unknown as GPUDevice;
  const a = deviceActivity(destroyed);
  await Promise.resolve();
  await Promise.resolve();
  expect(a.lost).toBeNull();
});
