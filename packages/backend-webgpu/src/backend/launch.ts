/**
 * What one plan step becomes on the WebGPU backend: kernel launches (a KernelSource from
 * @dogo/shaders-tensor and the buffer bound to each binding) and plain buffer copies. Buffers are named by
 * plan value (compile_plan.ts binds the value's storage owner's buffer: a view reads its source's) or as
 * one of two scratch buffers shared by the executable. Knows nothing of devices. Internal to the backend.
 */
import type { KernelSource } from '@dogo/shaders-tensor';

/** A buffer of a launch: the storage of plan value `value`, or shared scratch buffer 0 or 1. */
export type BufferRef = { readonly value: number } | { readonly scratch: 0 | 1 };

/** One kernel launch and the buffer bound to each of its bindings (by name, `params` excluded). */
export interface KernelLaunch {
  readonly kernel: KernelSource;
  readonly buffers: Readonly<Record<string, BufferRef>>;
}

/** A buffer-to-buffer copy of `bytes` bytes from the start of one buffer to the start of another. */
export interface CopyLaunch {
  readonly copy: { readonly from: BufferRef; readonly to: BufferRef; readonly bytes: number };
}

export type Launch = KernelLaunch | CopyLaunch;
