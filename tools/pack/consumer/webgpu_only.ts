// The WebGPU backend's types alone, without @types/node or another package that would load @webgpu/types for it.
import type { WebGpuBackend } from '@dogo/backend-webgpu';

export type Backend = WebGpuBackend;
