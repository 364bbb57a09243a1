/**
 * Conv2d launch planning (NCHW, weights [O,C,KH,KW]): geometry, output size, per-thread im2col scratch
 * and the work split. Forward: by images when there are at least as many images as threads, else by
 * output pixels; backward-data: by images, else by input channels; backward-weight: by columns of dw
 * (C*KH*KW), so no two threads write the same output and no reduction is needed.
 * Kernel contract: tools/wat/conv2d.mjs.
 */
import { checkSizes, KernelParamError, launch, type KernelLaunch, type PlanContext } from './launch.js';
import { splitRange } from './split.js';

/** Shapes and attributes of a 2-D convolution. */
export interface Conv2dGeometry {
  /** Batch, input channels, input height and width. */
  n: number; c: number; h: number; w: number;
  /** Output channels, kernel height and width. */
  o: number; kh: number; kw: number;
  strideH?: number; strideW?: number;
  padH?: number; padW?: number;
}

/** y = conv(x, w); byte offsets. */
export interface Conv2dForwardParams extends Conv2dGeometry { x: number; weight: number; y: number }
/** dx = conv_transpose(dy, w) (overwrites dx). */
export interface Conv2dBackwardDataParams extends Conv2dGeometry { dy: number; weight: number; dx: number }
/** dw (+)= correlation of x and dy. */
export interface Conv2dBackwardWeightParams extends Conv2dGeometry { x: number; dy: number; dw: number; accumulate?: boolean }

/** Output height and width; throws when the kernel does not fit the padded input. */
export function conv2dOutputSize(g: Conv2dGeometry): { oh: number; ow: number } {
  const sh = g.strideH ?? 1, sw = g.strideW ?? 1, ph = g.padH ?? 0, pw = g.padW ?? 0;
  const oh = Math.floor((g.h + 2 * ph - g.kh) / sh) + 1;
  const ow = Math.floor((g.w + 2 * pw - g.kw) / sw) + 1;
  if (oh < 1 || ow < 1) throw new KernelParamError(`conv2d: kernel ${g.kh}x${g.kw} does not fit input ${g.h}x${g.w} with padding ${ph},${pw}`);
  return { oh, ow };
}

function geometry(kernel: string, g: Conv2dGeometry) {
  const sh = g.strideH ?? 1, sw = g.strideW ?? 1, ph = g.padH ?? 0, pw = g.padW ?? 0;
  checkSizes(kernel, { n: g.n, c: g.c, h: g.h, w: g.w, o: g.o, kh: g.kh, kw: g.kw, padH: ph, padW: pw });
  if (!(sh >= 1 && sw >= 1)) throw new KernelParamError(`${kernel}: strides must be >= 1`);
  const { oh, ow } = conv2dOutputSize(g);
  const direct = g.kh === 1 && g.kw === 1 && sh === 1 && sw === 1 && ph === 0 && pw === 0;
  return { geo: [g.c, g.h, g.w, g.o, g.kh, g.kw, sh, sw, ph, pw, oh, ow], oh, ow, direct, ckk: g.c * g.kh * g.kw };
}

/** Output pixels below which several images share one GEMM (its width or depth would be too small). */
const SMALL_IMAGE = 128;
/** Images per GEMM for an im2col convolution of `ohw` output pixels per image. */
function imagesPerGemm(ohw: number, direct: boolean, images: number): number {
  if (direct || ohw >= SMALL_IMAGE) return 1;
  return Math.max(1, Math.min(images, Math.floor(240 / ohw)));
}

/** Bytes of op(A) [m, k] packed by gemm_pack_a_all, plus alignment slack. */
function packedBytes(ctx: PlanContext, m: number, k: number): number {
  return Math.ceil(m / ctx.mr) * ctx.mr * k * 4 + 64;
}

export function planConv2dForward(ctx: PlanContext, p: Conv2dForwardParams): KernelLaunch {
  const { geo, oh, ow, direct, ckk } = geometry('conv2dForward', p);
  const head = [p.x, p.weight, p.y, ...geo];
  const ohw = oh * ow;
  const calls: number[][] = [];
  const T = Math.min(ctx.threads, Math.max(1, Math.floor((p.n * p.o * ohw * ckk) / (1 << 18))));
  const scratch = (t: number, np: number, nb: number) =>
    ctx.colScratch(t, packedBytes(ctx, p.o, ckk) + (direct ? 0 : ckk * np * nb * 4 + 64) + (nb > 1 ? p.o * np * nb * 4 + 64 : 0));
  if (p.n >= T) {
    splitRange(p.n, T).forEach(([n0, n1], t) => {
      const nb = imagesPerGemm(ohw, direct, n1 - n0);
      calls.push([...head, n0, n1, 0, ohw, scratch(t, ohw, nb), ctx.gemmScratch(t), nb]);
    });
  } else {
    splitRange(ohw, T, ctx.nr).forEach(([p0, p1], t) => calls.push([...head, 0, p.n, p0, p1, scratch(t, p1 - p0, 1), ctx.gemmScratch(t), 1]));
  }
  return launch(ctx, 'conv2d_fwd', calls);
}

export function planConv2dBackwardData(ctx: PlanContext, p: Conv2dBackwardDataParams): KernelLaunch {
  const { geo, oh, ow, direct } = geometry('conv2dBackwardData', p);
  const head = [p.dy, p.weight, p.dx, ...geo];
  const kk = p.kh * p.kw, ohw = oh * ow;
  const calls: number[][] = [];
  const T = Math.min(ctx.threads, Math.max(1, Math.floor((p.n * p.o * ohw * p.c * kk) / (1 << 18))));
  const scratch = (t: number, channels: number, nb: number) =>
    ctx.colScratch(t, packedBytes(ctx, channels * kk, p.o) + (direct ? 0 : channels * kk * ohw * nb * 4 + 64) + (nb > 1 ? p.o * ohw * nb * 4 + 64 : 0));
  if (p.n >= T) {
    splitRange(p.n, T).forEach(([n0, n1], t) => {
      const nb = imagesPerGemm(ohw, direct, n1 - n0);
      calls.push([...head, n0, n1, 0, p.c, scratch(t, p.c, nb), ctx.gemmScratch(t), nb]);
    });
  } else {
    splitRange(p.c, T).forEach(([c0, c1], t) => calls.push([...head, 0, p.n, c0, c1, scratch(t, c1 - c0, 1), ctx.gemmScratch(t), 1]));
  }
  return launch(ctx, 'conv2d_bwd_data', calls);
}

export function planConv2dBackwardWeight(ctx: PlanContext, p: Conv2dBackwardWeightParams): KernelLaunch {
  const { geo, oh, ow, direct, ckk } = geometry('conv2dBackwardWeight', p);
  const head = [p.x, p.dy, p.dw, p.accumulate ? 1 : 0, ...geo];
  const ohw = oh * ow;
  const T = Math.min(ctx.threads, Math.max(1, Math.floor((p.n * p.o * ohw * ckk) / (1 << 18))));
  const nb = imagesPerGemm(ohw, direct, p.n);
  const calls = splitRange(ckk, T, ctx.nr).map(([r0, r1], t) =>
    [...head, 0, p.n, r0, r1, direct ? 0 : ctx.colScratch(t, (r1 - r0) * ohw * nb * 4 + 64 + (nb > 1 ? p.o * ohw * nb * 4 + 64 : 0)), ctx.gemmScratch(t), nb]);
  return launch(ctx, 'conv2d_bwd_weight', calls);
}
