/// <reference types="@webgpu/types" preserve="true" />
/**
 * @dogo/backend-webgpu: the WebGPU backend. WebGpuBackend compiles a core Plan into buffers, pipelines
 * and bind groups made once, and replays them with one submit per step on any GPUDevice. Below it: the
 * kernel-runner layer (pipelines cached by WGSL text, prepared dispatches, async readback, resource
 * counts) and the device description and errors both platform adapters share.
 * @module @dogo/backend-webgpu
 */
export * from './device.js';
export * from './kernel_runner.js';
export * from './backend/index.js';
export { tuneKernels, kernelTuningKey, type AdapterIdentity, type KernelStepChoice, type WebGpuTuningOptions } from './tuning/kernel_tuner.js';
export { gemmCandidates, gemmDims, ruleChoice, choiceName, TUNABLE_OPS, type GemmChoice, type GemmDims, type TunableOp } from './tuning/gemm_choice.js';
export { GpuTimer, type GpuTiming } from './tuning/gpu_timer.js';
