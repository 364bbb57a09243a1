/**
 * Kernel launches: what a runtime method turns its parameters into. A launch names one exported kernel
 * and holds the numeric argument list of each thread (index 0 runs on the dispatching thread). Launches
 * hold byte offsets only, so a list of them can be recorded once and replayed (the backend's fixed step).
 * Internal to the runtime.
 */
import type { KernelVariant } from './kernel_module.js';

/** One kernel call split over threads: `calls[t]` are thread t's arguments. */
export interface KernelLaunch {
  readonly kernel: string;
  readonly fn: number;
  readonly calls: readonly (readonly number[])[];
}

/**
 * A step of host code inside a launch list (a rare op written as a TypeScript loop over the memory). It runs
 * on the dispatching thread, in order with the kernels around it; it must take its typed views of the memory
 * at call time (memory may have grown since it was recorded).
 */
export interface HostLaunch {
  readonly kernel: string;
  readonly host: () => void;
}

/** What `record` returns and `replay` runs. */
export type Launch = KernelLaunch | HostLaunch;

/** What the planners need from the runtime. */
export interface PlanContext {
  /** Threads available (1 when single-threaded). */
  readonly threads: number;
  readonly variant: KernelVariant;
  /** Register block of the gemm micro-kernel of this variant. */
  readonly mr: number;
  readonly nr: number;
  /** Export index of a kernel, for the thread pool. */
  fn(name: string): number;
  /** Byte offset of thread t's gemm scratch. */
  gemmScratch(t: number): number;
  /** Byte offset of at least `bytes` of thread t's column scratch (im2col); valid until the next larger request. */
  colScratch(t: number, bytes: number): number;
  /**
   * Byte offset of at least `bytes` of scratch one launch writes and a later launch of the same operation
   * reads (Winograd's transformed filters); valid until the next larger request.
   */
  sharedScratch(bytes: number): number;
}

/** A launch of `kernel` with per-thread argument lists. */
export function launch(ctx: PlanContext, kernel: string, calls: number[][]): KernelLaunch {
  return { kernel, fn: ctx.fn(kernel), calls };
}

/** Thrown when kernel parameters are inconsistent (sizes, strides); the message names the parameter. */
export class KernelParamError extends Error {
  override name = 'KernelParamError';
}

/** Checks that every value is a non-negative integer. */
export function checkSizes(kernel: string, sizes: Record<string, number>): void {
  for (const [k, v] of Object.entries(sizes)) {
    if (!Number.isInteger(v) || v < 0) throw new KernelParamError(`${kernel}: ${k} must be a non-negative integer, got ${v}`);
  }
}
