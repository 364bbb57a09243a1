/** The Plan compiler of the WebGPU backend. */
export { WebGpuBackend, type WebGpuBackendOptions } from './webgpu_backend.js';
export type { WebGpuExecutable } from './executable.js';
export { OpKernelError } from './errors.js';
export { OP_KERNELS, type OpKernel, type Launch } from './op_kernels.js';
export { fusePointwise, scheduleOf, type FusedGroup, type Schedule } from './fuse_pointwise.js';
