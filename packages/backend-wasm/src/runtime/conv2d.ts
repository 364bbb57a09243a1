/**
 * Conv2d launch planning (NCHW, weights [O,C,KH,KW]): geometry, output size, the algorithm, per-thread
 * im2col scratch and the work split. Forward: by images when there are at least as many images as threads,
 * else by output pixels; backward-data: by images, else by input channels; backward-weight: by columns of dw
 * (C*KH*KW), so no two threads write the same output and no reduction is needed. A 3x3 stride-1 convolution
 * may instead run a Winograd kernel (winograd.ts) in any direction when the caller asks for one.
 * Kernel contracts: tools/wat/conv2d.mjs, tools/wat/winograd.mjs.
 */
import { checkSizes, KernelParamError, launch, type KernelLaunch, type PlanContext } from './launch.js';
import { splitRange } from './split.js';
import { planWinograd, planWinogradWeightGrad, WINOGRAD_TRANSFORM_NAMES, type WinogradTransform } from './winograd.js';

/**
 * How a convolution runs: 'im2col' (a GEMM over im2col columns, or over the input itself for 1x1 stride-1
 * convolutions) or a Winograd transform F(m x m, 3 x 3) (`winograd_f2`, `winograd_f4`, `winograd_f6`).
 */
export type Conv2dAlgorithm = 'im2col' | `winograd_${WinogradTransform}`;
/** Every algorithm, im2col first. */
export const CONV2D_ALGORITHMS: readonly Conv2dAlgorithm[] = ['im2col', ...WINOGRAD_TRANSFORM_NAMES.map((t) => `winograd_${t}` as const)];
/** The convolution directions. */
export type Conv2dDirection = 'forward' | 'backward_data' | 'backward_weight';

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
export interface Conv2dForwardParams extends Conv2dGeometry { x: number; weight: number; y: number; algorithm?: Conv2dAlgorithm }
/** dx = conv_transpose(dy, w) (overwrites dx). */
export interface Conv2dBackwardDataParams extends Conv2dGeometry { dy: number; weight: number; dx: number; algorithm?: Conv2dAlgorithm }
/** dw (+)= correlation of x and dy. */
export interface Conv2dBackwardWeightParams extends Conv2dGeometry { x: number; dy: number; dw: number; accumulate?: boolean; algorithm?: Conv2dAlgorithm }

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

/**
 * The algorithms that can run a convolution in `direction`: im2col always; Winograd for 3x3 stride-1
 * forward convolutions and weight gradients, and for input gradients whose padding is at most 2 (the
 * flipped convolution pads by 2 - p).
 */
export function conv2dAlgorithms(g: Conv2dGeometry, direction: Conv2dDirection): Conv2dAlgorithm[] {
  const s1 = (g.strideH ?? 1) === 1 && (g.strideW ?? 1) === 1;
  const winograd = g.kh === 3 && g.kw === 3 && s1
    && (direction !== 'backward_data' || ((g.padH ?? 0) <= 2 && (g.padW ?? 0) <= 2));
  return winograd ? [...CONV2D_ALGORITHMS] : ['im2col'];
}

function winogradOf(kernel: string, g: Conv2dGeometry, direction: Conv2dDirection, algorithm: Conv2dAlgorithm): WinogradTransform {
  if (!conv2dAlgorithms(g, direction).includes(algorithm)) {
    throw new KernelParamError(`${kernel}: algorithm '${algorithm}' does not apply to a ${g.kh}x${g.kw} convolution with stride ${g.strideH ?? 1},${g.strideW ?? 1} and padding ${g.padH ?? 0},${g.padW ?? 0} (Winograd needs 3x3, stride 1${direction === 'backward_data' ? ', padding at most 2' : ''})`);
  }
  return algorithm.slice('winograd_'.length) as WinogradTransform;
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

export function planConv2dForward(ctx: PlanContext, p: Conv2dForwardParams): KernelLaunch[] {
  const { geo, oh, ow, direct, ckk } = geometry('conv2dForward', p);
  if (p.algorithm !== undefined && p.algorithm !== 'im2col') {
    const t = winogradOf('conv2dForward', p, 'forward', p.algorithm);
    return planWinograd(ctx, t, { x: p.x, weight: p.weight, y: p.y, n: p.n, c: p.c, h: p.h, w: p.w, o: p.o, padH: p.padH ?? 0, padW: p.padW ?? 0, oh, ow, flip: false });
  }
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
  return [launch(ctx, 'conv2d_fwd', calls)];
}

export function planConv2dBackwardData(ctx: PlanContext, p: Conv2dBackwardDataParams): KernelLaunch[] {
  const { geo, oh, ow, direct } = geometry('conv2dBackwardData', p);
  if (p.algorithm !== undefined && p.algorithm !== 'im2col') {
    const t = winogradOf('conv2dBackwardData', p, 'backward_data', p.algorithm);
    // dx = the 3x3 stride-1 convolution of dy with the flipped, transposed kernel, padded by 2 - p
    return planWinograd(ctx, t, { x: p.dy, weight: p.weight, y: p.dx, n: p.n, c: p.o, h: oh, w: ow, o: p.c, padH: 2 - (p.padH ?? 0), padW: 2 - (p.padW ?? 0), oh: p.h, ow: p.w, flip: true });
  }
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
  return [launch(ctx, 'conv2d_bwd_data', calls)];
}

export function planConv2dBackwardWeight(ctx: PlanContext, p: Conv2dBackwardWeightParams): KernelLaunch {
  const { geo, oh, ow, direct, ckk } = geometry('conv2dBackwardWeight', p);
  if (p.algorithm !== undefined && p.algorithm !== 'im2col') {
    const t = winogradOf('conv2dBackwardWeight', p, 'backward_weight', p.algorithm);
    return planWinogradWeightGrad(ctx, t, { x: p.x, dy: p.dy, dw: p.dw, accumulate: p.accumulate ?? false, n: p.n, c: p.c, h: p.h, w: p.w, o: p.o, padH: p.padH ?? 0, padW: p.padW ?? 0, oh, ow });
  }
  const head = [p.x, p.dy, p.dw, p.accumulate ? 1 : 0, ...geo];
  const ohw = oh * ow;
  const T = Math.min(ctx.threads, Math.max(1, Math.floor((p.n * p.o * ohw * ckk) / (1 << 18))));
  const nb = imagesPerGemm(ohw, direct, p.n);
  const calls = splitRange(ckk, T, ctx.nr).map(([r0, r1], t) =>
    [...head, 0, p.n, r0, r1, direct ? 0 : ctx.colScratch(t, (r1 - r0) * ohw * nb * 4 + 64 + (nb > 1 ? p.o * ohw * nb * 4 + 64 : 0)), ctx.gemmScratch(t), nb]);
  return launch(ctx, 'conv2d_bwd_weight', calls);
}
