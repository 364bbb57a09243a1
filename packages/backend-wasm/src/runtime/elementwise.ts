/**
 * Launch planning for the memory-bound kernels: pointwise (unary, binary with broadcasting), reductions
 * along an axis, softmax family, pooling, per-channel (batch-norm) kernels. Each splits its outermost
 * independent dimension between threads once the work is large enough to repay a dispatch.
 * Kernel contracts: tools/wat/{pointwise,reduce,softmax,pool2d,batch_norm}.mjs.
 */
import { BINARY_OP_IDS, UNARY_OP_IDS } from '../kernels.gen.js';
import { checkSizes, KernelParamError, launch, type KernelLaunch, type PlanContext } from './launch.js';
import { splitRange, threadsFor } from './split.js';

/** Unary pointwise ops. */
export type UnaryOp = keyof typeof UNARY_OP_IDS;
/** Binary pointwise ops; relu_backward takes (x, dy). */
export type BinaryOp = keyof typeof BINARY_OP_IDS;

/**
 * y[o, m, j] (contiguous [outer, mid, inner]) = op(a[o*aStrides[0] + m*aStrides[1] + j*aStrides[2]], b[...]);
 * strides in elements, the last one 0 (broadcast) or 1.
 */
export interface BinaryLayout {
  outer: number; mid: number; inner: number;
  aStrides: [number, number, number];
  bStrides: [number, number, number];
}

/** Elements per thread below which a memory-bound kernel stays on one thread. */
const MIN_ELEMS_PER_THREAD = 1 << 16;

export function planUnary(ctx: PlanContext, op: UnaryOp, x: number, y: number, size: number): KernelLaunch {
  if (!(op in UNARY_OP_IDS)) throw new KernelParamError(`unary: unknown op '${op}'`);
  checkSizes('unary', { size });
  const T = threadsFor(size, ctx.threads, MIN_ELEMS_PER_THREAD);
  return launch(ctx, `unary_${op}`, splitRange(size, T, 16).map(([lo, hi]) => [x + 4 * lo, y + 4 * lo, hi - lo]));
}

export function planBinary(ctx: PlanContext, op: BinaryOp, a: number, b: number, y: number, l: BinaryLayout): KernelLaunch {
  if (!(op in BINARY_OP_IDS)) throw new KernelParamError(`binary: unknown op '${op}'`);
  checkSizes('binary', { outer: l.outer, mid: l.mid, inner: l.inner });
  if (![0, 1].includes(l.aStrides[2]) || ![0, 1].includes(l.bStrides[2])) {
    throw new KernelParamError('binary: the innermost stride of each operand must be 0 or 1 (transpose first)');
  }
  const [aSo, aSm, aSi] = l.aStrides, [bSo, bSm, bSi] = l.bStrides;
  const total = l.outer * l.mid * l.inner;
  const T = threadsFor(total, ctx.threads, MIN_ELEMS_PER_THREAD);
  const kernel = `binary_${op}`;
  if (l.outer >= T) {
    return launch(ctx, kernel, splitRange(l.outer, T).map(([lo, hi]) =>
      [a + 4 * lo * aSo, aSo, aSm, aSi, b + 4 * lo * bSo, bSo, bSm, bSi, y + 4 * lo * l.mid * l.inner, hi - lo, l.mid, l.inner]));
  }
  if (l.outer === 1 && l.mid === 1) {
    return launch(ctx, kernel, splitRange(l.inner, T, 16).map(([lo, hi]) =>
      [a + 4 * lo * aSi, aSo, aSm, aSi, b + 4 * lo * bSi, bSo, bSm, bSi, y + 4 * lo, 1, 1, hi - lo]));
  }
  if (l.outer === 1) {
    return launch(ctx, kernel, splitRange(l.mid, T).map(([lo, hi]) =>
      [a + 4 * lo * aSm, aSo, aSm, aSi, b + 4 * lo * bSm, bSo, bSm, bSi, y + 4 * lo * l.inner, 1, hi - lo, l.inner]));
  }
  // 1 < outer < threads: fold outer into one thread (rare: callers merge dimensions first)
  return launch(ctx, kernel, [[a, aSo, aSm, aSi, b, bSo, bSm, bSi, y, l.outer, l.mid, l.inner]]);
}

/** Reduce the middle axis of x viewed as [outer, axis, inner] into y [outer, inner]. */
export function planReduce(ctx: PlanContext, op: 'sum' | 'max' | 'mean', x: number, y: number, outer: number, axis: number, inner: number): KernelLaunch {
  checkSizes('reduce', { outer, axis, inner });
  const kernel = op === 'max' ? 'reduce_max' : 'reduce_sum';
  const scale = op === 'mean' ? 1 / axis : 1;
  const T = threadsFor(outer * axis * inner, ctx.threads, MIN_ELEMS_PER_THREAD);
  if (outer >= T) {
    return launch(ctx, kernel, splitRange(outer, T).map(([lo, hi]) =>
      [x + 4 * lo * axis * inner, y + 4 * lo * inner, hi - lo, axis, inner, inner, scale]));
  }
  return launch(ctx, kernel, splitRange(inner, T, 16).map(([lo, hi]) =>
    [x + 4 * lo, y + 4 * lo, outer, axis, hi - lo, inner, scale]));
}

/** Row-wise kernels over [rows, cols] with `nptr` pointer arguments (softmax family). */
export function planRows(ctx: PlanContext, kernel: string, ptrs: number[], rows: number, cols: number): KernelLaunch {
  checkSizes(kernel, { rows, cols });
  const T = threadsFor(rows * cols, ctx.threads, MIN_ELEMS_PER_THREAD / 4);
  return launch(ctx, kernel, splitRange(rows, T).map(([lo, hi]) =>
    [...ptrs.map((q) => q + 4 * lo * cols), hi - lo, cols]));
}

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

/** A pooling launch: `ptrs` are the per-plane tensors in kernel order, `perPlane` their plane sizes. */
export function planPool(ctx: PlanContext, kernel: string, g: Pool2dGeometry, ptrs: number[], inputSide: boolean[], extra: number[]): KernelLaunch {
  checkSizes(kernel, { planes: g.planes, h: g.h, w: g.w, kh: g.kh, kw: g.kw });
  const { oh, ow } = pool2dOutputSize(g);
  const geo = [g.h, g.w, g.kh, g.kw, g.strideH ?? g.kh, g.strideW ?? g.kw, g.padH ?? 0, g.padW ?? 0, oh, ow];
  const T = threadsFor(g.planes * g.h * g.w, ctx.threads, MIN_ELEMS_PER_THREAD / 4);
  return launch(ctx, kernel, splitRange(g.planes, T).map(([lo, hi]) =>
    [...ptrs.map((q, k) => q + 4 * lo * (inputSide[k] ? g.h * g.w : oh * ow)), hi - lo, ...geo, ...extra]));
}

/** A per-channel launch over NCHW with channel range arguments at the end. */
export function planChannels(ctx: PlanContext, kernel: string, ptrs: number[], n: number, c: number, hw: number): KernelLaunch {
  checkSizes(kernel, { n, c, hw });
  const T = threadsFor(n * c * hw, ctx.threads, MIN_ELEMS_PER_THREAD);
  return launch(ctx, kernel, splitRange(c, T).map(([c0, c1]) => [...ptrs, n, c, hw, c0, c1]));
}
