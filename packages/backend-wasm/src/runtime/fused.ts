/**
 * Launch planning for the fused pointwise program interpreter and the 4-D strided copy (kernel contracts:
 * tools/wat/fused.mjs). The program itself is written into memory by the caller (the backend's fusion pass);
 * here only the per-thread ranges and scratch are chosen. Internal to the runtime.
 */
import { FUSED_LIMITS } from '../kernels.gen.js';
import { checkSizes, KernelParamError, launch, type KernelLaunch, type PlanContext } from './launch.js';
import { splitRange, threadsFor } from './split.js';

/** Elements per thread below which a fused launch or a copy stays on one thread. */
const MIN_ELEMS_PER_THREAD = 1 << 15;

/** A 4-D iteration space [D0, D1, D2, D3] (D3 innermost) and the dim threads may split (-1: none). */
export interface FusedParams {
  /**
   * Byte offsets of the program descriptor: one for every thread, or one per thread of
   * fusedThreads(...) (programs whose reduction outputs point at per-thread staging buffers).
   */
  descs: readonly number[];
  dims: readonly [number, number, number, number];
  splitDim: number;
}

/** How many threads a fused launch over `dims` split along `splitDim` uses. */
export function fusedThreads(threads: number, dims: readonly number[], splitDim: number): number {
  if (splitDim < 0) return 1;
  const total = dims.reduce((a, b) => a * b, 1);
  return splitRange(dims[splitDim]!, Math.min(threadsFor(total, threads, MIN_ELEMS_PER_THREAD), dims[splitDim]!), splitDim === 3 ? 16 : 1).length;
}

export function planFused(ctx: PlanContext, p: FusedParams, scratch: (t: number) => number): KernelLaunch {
  const [d0, d1, d2, d3] = p.dims;
  checkSizes('fused', { d0, d1, d2, d3 });
  const T = fusedThreads(ctx.threads, p.dims, p.splitDim);
  const desc = (t: number) => p.descs[p.descs.length === 1 ? 0 : t]!;
  if (p.descs.length !== 1 && p.descs.length !== T) throw new KernelParamError(`fused: ${p.descs.length} descriptors for ${T} threads`);
  const whole = [0, d0, 0, d1, 0, d2, 0, d3];
  if (T <= 1) return launch(ctx, 'fused', [[desc(0), scratch(0), ...whole]]);
  const total = d0 * d1 * d2 * d3;
  const ranges = splitRange(p.dims[p.splitDim]!, Math.min(threadsFor(total, ctx.threads, MIN_ELEMS_PER_THREAD), p.dims[p.splitDim]!), p.splitDim === 3 ? 16 : 1);
  return launch(ctx, 'fused', ranges.map(([lo, hi], t) => {
    const r = [...whole];
    r[2 * p.splitDim] = lo;
    r[2 * p.splitDim + 1] = hi;
    return [desc(t), scratch(t), ...r];
  }));
}

/** y[i . ys] = x[i . xs] over a 4-D index space; strides in 4-byte elements. */
export interface Copy4dParams {
  x: number; y: number;
  dims: readonly [number, number, number, number];
  xStrides: readonly [number, number, number, number];
  yStrides: readonly [number, number, number, number];
}

export function planCopy4d(ctx: PlanContext, p: Copy4dParams): KernelLaunch {
  const [d0, d1, d2, d3] = p.dims;
  checkSizes('copy4d', { d0, d1, d2, d3 });
  if (p.dims.some((d) => d === 0)) throw new KernelParamError('copy4d: empty copy');
  const head = [p.x, p.y, d0, d1, d2, d3, ...p.xStrides, ...p.yStrides];
  const T = threadsFor(d0 * d1 * d2 * d3, ctx.threads, MIN_ELEMS_PER_THREAD);
  const whole = [0, d0, 0, d1, 0, d2];
  const dim = [0, 1, 2].find((d) => p.dims[d]! >= T) ?? -1;
  if (T <= 1 || dim < 0) return launch(ctx, 'copy4d', [[...head, ...whole]]);
  return launch(ctx, 'copy4d', splitRange(p.dims[dim]!, T).map(([lo, hi]) => {
    const r = [...whole];
    r[2 * dim] = lo;
    r[2 * dim + 1] = hi;
    return [...head, ...r];
  }));
}

export { FUSED_LIMITS };
