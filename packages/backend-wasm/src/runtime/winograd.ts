/**
 * Winograd launch planning for 3x3 stride-1 convolutions (kernel contract: tools/wat/winograd.mjs): which
 * convolutions a transform applies to, the filter-transform launch (into a scratch shared by the threads),
 * the block size (whole images or bands of tile rows per block), each thread's scratch and the work split
 * (by images, so no two threads write the same output and results do not depend on the thread count).
 * The input gradient of a stride-1 3x3 convolution is the same kernel on dy with the flipped, transposed
 * filters and padding 2 - p. Internal to the runtime.
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

/** Tiles a block aims for: enough GEMM columns for the micro-kernel, small enough for V and M to stay in L2. */
const BLOCK_TILES = 96;

/** Blocks of whole images (nb) or, for images with many tiles, bands of `band` tile rows of one image. */
function blocking(tilesH: number, tilesW: number, imagesPerThread: number): { nb: number; band: number } {
  const perImage = tilesH * tilesW;
  if (perImage >= BLOCK_TILES) return { nb: 1, band: Math.max(1, Math.min(tilesH, Math.floor(BLOCK_TILES / tilesW))) };
  return { nb: Math.max(1, Math.min(imagesPerThread, Math.round(BLOCK_TILES / perImage))), band: tilesH };
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
