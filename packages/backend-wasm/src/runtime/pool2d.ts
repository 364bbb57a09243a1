/**
 * Pooling launch planning (max and average, forward and backward, over NCHW planes): geometry, output size
 * and the split of planes between threads once the work repays a dispatch. Kernel contract:
 * tools/wat/pool2d.mjs.
 */
import { checkSizes, KernelParamError, launch, type KernelLaunch, type PlanContext } from './launch.js';
import { splitRange, threadsFor } from './split.js';

/** Elements per thread below which a pooling launch stays on one thread. */
const MIN_ELEMS_PER_THREAD = 1 << 14;

/** Pooling window and input size; planes = N*C. */
export interface Pool2dGeometry {
  planes: number; h: number; w: number;
  kh: number; kw: number;
  strideH?: number; strideW?: number; padH?: number; padW?: number;
}

/** Output size of a pooling window (floor mode). */
export function pool2dOutputSize(g: Pool2dGeometry): { oh: number; ow: number } {
  const sh = g.strideH ?? g.kh, sw = g.strideW ?? g.kw, ph = g.padH ?? 0, pw = g.padW ?? 0;
  if (2 * ph > g.kh || 2 * pw > g.kw) throw new KernelParamError('pool2d: padding must be at most half the kernel size');
  const oh = Math.floor((g.h + 2 * ph - g.kh) / sh) + 1, ow = Math.floor((g.w + 2 * pw - g.kw) / sw) + 1;
  if (oh < 1 || ow < 1) throw new KernelParamError(`pool2d: window ${g.kh}x${g.kw} does not fit ${g.h}x${g.w}`);
  return { oh, ow };
}

/** A pooling launch: `ptrs` are the per-plane tensors in kernel order, `inputSide` whether each has the input's plane size. */
export function planPool(ctx: PlanContext, kernel: string, g: Pool2dGeometry, ptrs: number[], inputSide: boolean[], extra: number[]): KernelLaunch {
  checkSizes(kernel, { planes: g.planes, h: g.h, w: g.w, kh: g.kh, kw: g.kw });
  const { oh, ow } = pool2dOutputSize(g);
  const geo = [g.h, g.w, g.kh, g.kw, g.strideH ?? g.kh, g.strideW ?? g.kw, g.padH ?? 0, g.padW ?? 0, oh, ow];
  const T = threadsFor(g.planes * g.h * g.w, ctx.threads, MIN_ELEMS_PER_THREAD);
  return launch(ctx, kernel, splitRange(g.planes, T).map(([lo, hi]) =>
    [...ptrs.map((q, k) => q + 4 * lo * (inputSide[k] ? g.h * g.w : oh * ow)), hi - lo, ...geo, ...extra]));
}
