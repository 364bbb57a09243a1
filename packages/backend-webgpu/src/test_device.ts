/**
 * Test-only helper: one WebGPU device per test file from Dawn (via @dogo/node, SwiftShader where there
 * is no GPU). Without an adapter, WebGPU tests skip with a visible message locally but FAIL when
 * CI=true (or DOGO_REQUIRE_WEBGPU=1), so CI never passes by skipping. Not part of the package build.
 */
import { TestRunner } from 'vitest';
import { KernelRunner } from './kernel_runner.js';
import type { GpuDeviceHandle } from './device.js';

/** A device and a runner on it, shared by the tests of one file. */
export interface TestGpu {
  readonly handle: GpuDeviceHandle;
  readonly device: GPUDevice;
  readonly runner: KernelRunner;
}

let cached: Promise<TestGpu | null> | null = null;

/** Why this file's GPU tests skip, in the form the run's closing line groups by (tools/plain-summary-reporter.ts). */
export const NO_GPU_SKIP_REASON = 'no WebGPU adapter: Dawn needs the Vulkan loader and SwiftShader (apt-get install chromium libvulkan1)';

function required(): boolean {
  return process.env.CI === 'true' || process.env.DOGO_REQUIRE_WEBGPU === '1';
}

async function open(): Promise<TestGpu | null> {
  // A variable specifier and a local type keep @dogo/node (which depends on this package) out of the
  // package's type graph: the tests type-check without it.
  const nodePkg = '@dogo/node';
  const { requestNodeGpuDevice } = (await import(/* @vite-ignore */ nodePkg)) as { requestNodeGpuDevice: (o: { optionalFeatures: GPUFeatureName[] }) => Promise<GpuDeviceHandle> };
  try {
    // timestamp queries where the adapter has them (SwiftShader does): tuning and profiles use them
    const handle = await requestNodeGpuDevice({ optionalFeatures: ['timestamp-query'] });
    return { handle, device: handle.device, runner: new KernelRunner(handle.device) };
  } catch (e) {
    if ((e as Error).name !== 'NoAdapterError' || required()) throw e;
    const msg = `\n[webgpu tests] SKIPPED: no WebGPU adapter. ${(e as Error).message}\n(CI=true makes this a failure.)\n`;
    process.stderr.write(msg); // straight to stderr: visible even where console output is captured
    return null;
  }
}

/**
 * The shared test device, or null (after printing why, and marking the calling test file's module with the skip
 * reason) when there is no adapter and CI is not set. Throws NoAdapterError when CI=true and no adapter is found.
 */
export async function getTestGpu(): Promise<TestGpu | null> {
  cached ??= open();
  const gpu = await cached;
  if (!gpu) (TestRunner.getCurrentSuite().file.meta as Record<string, unknown>)['skipReason'] = NO_GPU_SKIP_REASON;
  return gpu;
}
