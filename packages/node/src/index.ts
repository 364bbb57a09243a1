/// <reference types="node" preserve="true" />
/**
 * @dogo/node: the Node adapter. createBackend('auto' | 'wasm' | 'webgpu'); a GPUDevice from Dawn
 * (requestNodeGpuDevice, which loads Dawn on first use); the wasm worker pool on worker_threads; the tuning cache (a
 * JSON file under the user's cache folder). Nothing above this package knows it runs on Node.
 * @module @dogo/node
 */
export { createBackend, selectBackend } from './create_backend.js';
export { UnknownBackendError, type BackendKind, type BackendChoice, type CreateBackendOptions } from '@dogo/core';
export { requestNodeGpuDevice, installWebGpuGlobals, type NodeGpuDeviceOptions } from './webgpu_device.js';
export { SWIFTSHADER_ICD } from './webgpu_vulkan_env.js';
export {
  NoAdapterError, AdapterLimitError, AdapterFeatureError, DeviceLostError, DeviceActivity, deviceActivity, requireLimits, describeAdapter,
  type GpuDeviceHandle, type GpuDeviceInfo, type GpuDeviceOptions,
} from '@dogo/backend-webgpu';
export { nodeWorkerHost, enableRelaxedSimd, createNodeWasmRuntime, createNodeWasmBackend } from './wasm_workers.js';
// The backends, re-exported so a program depends on the adapter alone.
export { WebGpuBackend } from '@dogo/backend-webgpu';
export { WasmBackend, WasmRuntime } from '@dogo/backend-wasm';
export { JsonFileTuningCache, nodeTuningCache, nodeCacheDir, nodeMachineId } from './tuning_cache.js';
