/**
 * The browser WebGPU adapter: a GPUDevice from `navigator.gpu`, described in the same shape as on Node,
 * with the same typed errors. Only this file touches navigator.gpu.
 */
import { type GpuDeviceHandle, type GpuDeviceOptions, NoAdapterError, describeAdapter, openDevice } from '@dogo/backend-webgpu';

/** Options of requestBrowserGpuDevice. */
export interface BrowserGpuDeviceOptions extends GpuDeviceOptions {
  /** The GPU object to use; default `navigator.gpu` (tests pass another implementation). */
  readonly gpu?: GPU;
  /** Reject software adapters (SwiftShader, WARP, fallback) with NoAdapterError (default false). */
  readonly requireHardware?: boolean;
}

const HOW_TO_FIX =
  'Use a browser with WebGPU (Chrome or Edge 113+, Safari 26+, Firefox 141+ on Windows) in a secure context (https or localhost); ' +
  'on Linux, Chrome may need chrome://flags/#enable-unsafe-webgpu and Vulkan. Training falls back to the wasm backend without it.';

/**
 * A WebGPU device from navigator.gpu. Throws NoAdapterError (no navigator.gpu, or no adapter, or only a
 * software adapter with requireHardware), AdapterLimitError and AdapterFeatureError.
 */
export async function requestBrowserGpuDevice(options: BrowserGpuDeviceOptions = {}): Promise<GpuDeviceHandle> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  const gpu = options.gpu ?? nav?.gpu;
  const tried: string[] = [];
  if (!gpu) {
    const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext;
    tried.push(`navigator.gpu: ${nav ? 'undefined' : 'no navigator'}${secure === false ? ' (this page is not a secure context)' : ''}`);
    throw new NoAdapterError(`This browser exposes no WebGPU (navigator.gpu is undefined${secure === false ? '; the page is not served over https or localhost' : ''}). ${HOW_TO_FIX}`, tried);
  }
  const adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : {});
  if (!adapter) {
    tried.push('navigator.gpu.requestAdapter(): null');
    throw new NoAdapterError(`navigator.gpu.requestAdapter() returned no adapter (GPU blocklisted, disabled, or no driver). ${HOW_TO_FIX}`, tried);
  }
  const info = describeAdapter(adapter);
  if (info.isSoftware && options.requireHardware) {
    tried.push(`navigator.gpu.requestAdapter(): software adapter "${info.name}", rejected (requireHardware)`);
    throw new NoAdapterError(`The only WebGPU adapter is a software one ("${info.name}"). Enable hardware acceleration in the browser settings or update the GPU driver.`, tried);
  }
  const note = info.isSoftware ? `The WebGPU adapter "${info.name}" runs on the CPU; expect it to be slow (the wasm backend is faster here).` : undefined;
  return openDevice(adapter, options, note);
}
