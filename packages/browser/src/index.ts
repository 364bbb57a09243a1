/**
 * @dogo/browser: the browser adapter. Produces a GPUDevice from navigator.gpu (requestBrowserGpuDevice);
 * Web Workers run the wasm threads; tuning choices persist in the Origin Private File System. Nothing above this package knows it runs in a browser.
 */
export { requestBrowserGpuDevice, type BrowserGpuDeviceOptions } from './webgpu_device.js';
export {
  NoAdapterError, AdapterLimitError, AdapterFeatureError, DeviceLostError, DeviceActivity, deviceActivity, requireLimits, describeAdapter,
  type GpuDeviceHandle, type GpuDeviceInfo, type GpuDeviceOptions,
} from '@dogo/backend-webgpu';
export { browserWorkerHost } from './worker_host.js';
export { createBrowserWasmBackend } from './wasm_backend.js';
export { OpfsTuningCache, browserTuningCache, browserMachineId } from './tuning_cache.js';
// The backends, re-exported so a page depends on the adapter alone (apps may import browser and ssl only).
export { WebGpuBackend } from '@dogo/backend-webgpu';
export { WasmBackend, WasmRuntime } from '@dogo/backend-wasm';
