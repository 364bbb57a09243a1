/**
 * Winograd launch planning for 3x3 stride-1 convolutions (kernel contract: tools/wat/winograd.mjs): the
 * filter-transform launch (into a scratch shared by the threads), the block size (whole images or bands of
 * tile rows per block), each thread's scratch and the work split: forward and input gradient by images,
 * weight gradient by input channels (each thread transforms all of dy, its channels of x, and reduces over
 * every tile itself), so no two threads write the same output and results do not depend on the thread
 * count. The input gradient of a stride-1 3x3 convolution is the forward kernel on dy with the flipped,
 * transposed filters and padding 2 - p. Internal to the runtime.
 */
import { WINOGRAD_TRANSFORMS } from '../kernels.gen.js';
import { KernelParamError, launch, type KernelLaunch, type PlanContext } from './launch.js';
import { splitRange } from './split.js';

/** The Winograd transforms the kernels carry: F(2x2,3x3), F(4x4,3x3), F(6x6,3x3). */
export type WinogradTransform = keyof typeof WINOGRAD_TRANSFORMS;
export const WINOGRAD_TRANSFORM_NAMES = Object.keys(WINOGRAD_TRANSFORMS) as WinogradTransform[];

/** One convolution computed by a Winograd kernel: x [n, c, h, w] -> y [n, o, oh, ow], filters g[o][c] 3x3. */
export interface WinogradConv {
  x: number; weight: number; y: number;
  n: number; c: number; h: number; w: number; o: number;
  padH: number; padW: number; oh: number; ow: number;
  /** The weights are [c, o, 3, 3] and used flipped (the input gradient), not [o, c, 3, 3]. */
  flip: boolean;
}

/**
 * Tiles a block aims for: enough GEMM columns (forward) or depth (weight gradient) for the micro-kernel,
 * few enough for the transformed block to stay in L2.
 */
const BLOCK_TILES = 96;
const WGRAD_BLOCK_TILES = 192;

/** Blocks of whole images (nb) or, for images with many tiles, bands of `band` tile rows of one image. */
function blocking(tilesH: number, tilesW: number, images: number, target = BLOCK_TILES): { nb: number; band: number } {
  const perImage = tilesH * tilesW;
  if (perImage >= target) return { nb: 1, band: Math.max(1, Math.min(tilesH, Math.floor(target / tilesW))) };
  return { nb: Math.max(1, Math.min(images, Math.round(target / perImage))), band: tilesH };
}

const align64 = (b: number) => Math.ceil(b / 64) * 64;

/** The launches of one Winograd convolution: the filter transform, then the convolution. */
export function planWinograd(ctx: PlanContext, t: WinogradTransform, p: WinogradConv): KernelLaunch[] {
  const { m, alpha } = WINOGRAD_TRANSFORMS[t];
  const aa = alpha * alpha;
  if (p.oh !== p.h + 2 * p.padH - 2 || p.ow !== p.w + 2 * p.padW - 2) {
    throw new KernelParamError(`winograd_${t}: output ${p.oh}x${p.ow} is not that of a 3x3 stride-1 convolution of ${p.h}x${p.w} with padding ${p.padH},${p.padW}`);
  }
  const opad = Math.ceil(p.o / ctx.mr) * ctx.mr;
  const u = ctx.sharedScratch(aa * opad * p.c * 4);
  const filterThreads = Math.min(ctx.threads, Math.max(1, Math.floor((opad * p.c) / 4096)));
  const filter = launch(ctx, `winograd_filter_${t}`,
    splitRange(opad, filterThreads, ctx.mr).map(([o0, o1]) => [p.weight, u, p.c, p.o, p.flip ? 1 : 0, o0, o1]));

  const tilesH = Math.ceil(p.oh / m), tilesW = Math.ceil(p.ow / m);
  const macs = p.n * tilesH * tilesW * aa * p.o * p.c;
  const T = Math.min(ctx.threads, p.n, Math.max(1, Math.floor(macs / (1 << 18))));
  const ranges = splitRange(p.n, T);
  const { nb, band } = blocking(tilesH, tilesW, Math.ceil(p.n / ranges.length));
  const wp = tilesW * m + 2;
  const np = Math.ceil((nb * band * tilesW) / 4) * 4;
  const npad = Math.ceil(np / ctx.nr) * ctx.nr;
  const st = align64(nb * p.c * (band * m + 2) * wp * 4 + 64);
  const v = align64(aa * p.c * npad * 4);
  const mm = align64(aa * p.o * np * 4);
  const tmp = align64(aa * 16);
  const calls = ranges.map(([n0, n1], thread) => {
    const base = ctx.colScratch(thread, st + v + mm + tmp);
    return [p.x, u, p.y, p.c, p.h, p.w, p.o, p.padH, p.padW, p.oh, p.ow, n0, n1, nb, band,
      base, base + st, base + st + v, base + st + v + mm, ctx.gemmScratch(thread)];
  });
  return [filter, launch(ctx, `winograd_${t}`, calls)];
}

/** One weight gradient computed by a Winograd kernel: dw [o, c, 3, 3] (+)= correlation of x [n, c, h, w] with dy [n, o, oh, ow]. */
export interface WinogradWeightGrad {
  x: number; dy: number; dw: number; accumulate: boolean;
  n: number; c: number; h: number; w: number; o: number;
  padH: number; padW: number; oh: number; ow: number;
}

/** The launch of one Winograd weight gradient (split by input channels). */
export function planWinogradWeightGrad(ctx: PlanContext, t: WinogradTransform, p: WinogradWeightGrad): KernelLaunch {
  const { m, alpha } = WINOGRAD_TRANSFORMS[t];
  const aa = alpha * alpha;
  if (p.oh !== p.h + 2 * p.padH - 2 || p.ow !== p.w + 2 * p.padW - 2) {
    throw new KernelParamError(`winograd_wgrad_${t}: output ${p.oh}x${p.ow} is not that of a 3x3 stride-1 convolution of ${p.h}x${p.w} with padding ${p.padH},${p.padW}`);
  }
  const tilesH = Math.ceil(p.oh / m), tilesW = Math.ceil(p.ow / m);
  const macs = p.n * tilesH * tilesW * aa * p.o * p.c;
  const T = Math.min(ctx.threads, Math.max(1, Math.floor(macs / (1 << 20))));
  const ranges = splitRange(p.c, T, ctx.nr);
  const { nb, band } = blocking(tilesH, tilesW, p.n, WGRAD_BLOCK_TILES);
  const wp = tilesW * m + 2, hs = band * m + 2;
  const np = Math.ceil((nb * band * tilesW) / 4) * 4;
  const calls = ranges.map(([c0, c1], thread) => {
    const ct = c1 - c0;
    const sizes = [nb * ct * hs * wp * 4 + 64, nb * p.o * band * m * tilesW * m * 4 + 64, aa * ct * np * 4, aa * p.o * np * 4, aa * p.o * ct * 4, aa * 16].map(align64);
    const base = ctx.colScratch(thread, sizes.reduce((a, b) => a + b, 0));
    const at: number[] = [];
    sizes.reduce((off, b) => (at.push(off), off + b), base);
    return [p.x, p.dy, p.dw, p.accumulate ? 1 : 0, p.c, p.h, p.w, p.o, p.padH, p.padW, p.oh, p.ow, p.n, c0, c1, nb, band,
      at[0]!, at[1]!, at[2]!, at[3]!, at[4]!, at[5]!, ctx.gemmScratch(thread)];
  });
  return launch(ctx, `winograd_wgrad_${t}`, calls);
}
