/**
 * @dogo/node: the Node adapter. Produces a GPUDevice from Dawn (requestNodeGpuDevice); the wasm worker
 * pool and the tuning cache (a JSON file under the user's cache folder) live beside it. Nothing above this
 * package knows it runs on Node.
 */
export { requestNodeGpuDevice, installWebGpuGlobals, type NodeGpuDeviceOptions } from './webgpu_device.js';
export { SWIFTSHADER_ICD } from './webgpu_vulkan_env.js';
export {
  NoAdapterError, AdapterLimitError, AdapterFeatureError, DeviceLostError, DeviceActivity, deviceActivity, requireLimits, describeAdapter,
  type GpuDeviceHandle, type GpuDeviceInfo, type GpuDeviceOptions,
} from '@dogo/backend-webgpu';
export { nodeWorkerHost, enableRelaxedSimd, createNodeWasmRuntime, createNodeWasmBackend } from './wasm_workers.js';
export { JsonFileTuningCache, nodeTuningCache, nodeCacheDir, nodeMachineId } from './tuning_cache.js';
