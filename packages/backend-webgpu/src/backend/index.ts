/** The Plan compiler of the WebGPU backend. */
export { WebGpuBackend, type WebGpuBackendOptions } from './webgpu_backend.js';
export type { WebGpuExecutable } from './executable.js';
export { OpKernelError } from './errors.js';
export { OP_KERNELS, isKernelStepOp, type KernelStepOp, type OpKernel, type OpContext } from './op_kernels.js';
export { WEBGPU_FUSION_RULES, fusedLaunch } from './fused_launch.js';
export { POINTWISE_WGSL, pointwiseFunction } from './pointwise_wgsl.js';
export type { BufferRef, KernelLaunch, CopyLaunch, Launch } from './launch.js';
