/**
 * @dogo/backend-webgpu: runs WGSL kernels from @dogo/shaders-tensor on any GPUDevice. For now the
 * kernel-runner layer (pipelines cached by WGSL text, one submit per step, async readback, resource
 * counts) and the device description and errors both platform adapters share; compiling a core Plan
 * into a fixed list of dispatches comes next.
 */
export * from './device.js';
export * from './kernel_runner.js';
