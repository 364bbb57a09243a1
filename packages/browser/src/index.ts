/// <reference types="@webgpu/types" preserve="true" />
/**
 * @dogo/browser: the browser adapter. createBackend('auto' | 'wasm' | 'webgpu'); a GPUDevice from navigator.gpu
 * (requestBrowserGpuDevice); the wasm thread pool on Web Workers; tuning choices persist in the Origin Private File
 * System. Nothing above this package knows it runs in a browser.
 * @module @dogo/browser
 */
export { createBackend, selectBackend } from './create_backend.js';
export { UnknownBackendError, type BackendKind, type BackendChoice, type CreateBackendOptions } from '@dogo/core';
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
