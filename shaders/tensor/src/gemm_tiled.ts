/**
 * Tiling parameters of the shared GEMM main loop (gemm_tiled.wgsl) and the helper that appends it to a
 * family's accessors. Internal to the GEMM-shaped specs (matmul, conv2d and its backward ops).
 */
import { KernelShapeError, ceilDiv } from './kernel.js';
import { WGSL } from './wgsl.gen.js';
import { fillTemplate } from './template.js';

/** Block sizes of the tiled GEMM: C tile TILE_M x TILE_N per workgroup, THREAD_M x THREAD_N per thread. */
export interface GemmTiling {
  readonly tileM: number;
  readonly tileN: number;
  readonly tileK: number;
  readonly threadM: number;
  readonly threadN: number;
}

/**
 * The tilings the GEMM kernels choose from (all 256 threads, at most 9 KiB of workgroup memory). Every
 * row of a tile beyond m (column beyond n) is work thrown away, so thin GEMMs get thin tiles: conv
 * kernels often have m = channels as small as 3 (the stem's dx) or 8, where a 64-row tile would waste
 * 95% or 88% of its multiply-adds. `benchmarks/kernels-webgpu/run.mjs --sweep` times them all per shape.
 */
export const GEMM_TILINGS = {
  /** The general case: 64x64 tiles, k-step 16, 4x4 per thread, 8 KiB. */
  square64: { tileM: 64, tileN: 64, tileK: 16, threadM: 4, threadN: 4 },
  /** Big GEMMs with many tiles: 128x128, k-step 8, 8x8 per thread (half the shared-memory reads per FMA). */
  square128: { tileM: 128, tileN: 128, tileK: 8, threadM: 8, threadN: 8 },
  /** Small GEMMs: more, smaller workgroups. */
  square32: { tileM: 32, tileN: 32, tileK: 16, threadM: 2, threadN: 2 },
  wide16: { tileM: 16, tileN: 128, tileK: 16, threadM: 2, threadN: 4 },
  wide8: { tileM: 8, tileN: 128, tileK: 16, threadM: 1, threadN: 4 },
  wide4: { tileM: 4, tileN: 256, tileK: 8, threadM: 1, threadN: 4 },
  tall16: { tileM: 128, tileN: 16, tileK: 16, threadM: 4, threadN: 2 },
  tall8: { tileM: 128, tileN: 8, tileK: 16, threadM: 4, threadN: 1 },
  tall4: { tileM: 256, tileN: 4, tileK: 8, threadM: 4, threadN: 1 },
} as const satisfies Record<string, GemmTiling>;

export type GemmTilingName = keyof typeof GEMM_TILINGS;

const tilesOf = (t: GemmTiling, m: number, n: number) => ceilDiv(m, t.tileM) * ceilDiv(n, t.tileN);

/**
 * The tiling for a GEMM with C of m x n: a thin tile when m or n is 16 or less, 128x128 when that still
 * gives at least 128 workgroups (enough to fill a large GPU), 32x32 when 64x64 would give fewer than 64,
 * else 64x64.
 */
export function chooseGemmTiling(m: number, n: number): GemmTilingName {
  if (m <= 16 && m <= n) return m <= 4 ? 'wide4' : m <= 8 ? 'wide8' : 'wide16';
  if (n <= 16) return n <= 4 ? 'tall4' : n <= 8 ? 'tall8' : 'tall16';
  if (tilesOf(GEMM_TILINGS.square128, m, n) >= 128) return 'square128';
  if (tilesOf(GEMM_TILINGS.square64, m, n) < 64) return 'square32';
  return 'square64';
}

/** Workgroups a split-K GEMM aims for, and the shortest reduction a split may have. */
const SPLIT_TARGET_WORKGROUPS = 256;
const MIN_SPLIT_K = 512;
/** Most bytes of partial sums a split-K launch may write. */
const MAX_PARTIAL_BYTES = 64 * 1024 * 1024;

/** How a split-K GEMM divides its reduction: `splits` partial GEMMs over `kSplit` values of k each. */
export interface SplitK {
  readonly splits: number;
  readonly kSplit: number;
}

/**
 * The split of a GEMM's reduction of length k: 1 split (no partials) unless the C tiles alone give fewer
 * than 256 workgroups and k is long; then enough splits of at least 512 to reach about 256 workgroups,
 * within 64 MiB of partial sums. `requested` forces a split count (tests, sweeps).
 */
export function chooseSplitK(t: GemmTiling, m: number, n: number, k: number, requested?: number): SplitK {
  let splits = requested ?? Math.min(ceilDiv(SPLIT_TARGET_WORKGROUPS, tilesOf(t, m, n)), Math.floor(k / MIN_SPLIT_K), Math.floor(MAX_PARTIAL_BYTES / (m * n * 4)));
  if (!Number.isInteger(splits) || splits < 1) splits = 1;
  splits = Math.min(splits, ceilDiv(k, t.tileK));
  const kSplit = ceilDiv(ceilDiv(k, splits), t.tileK) * t.tileK;
  return { splits: ceilDiv(k, kSplit), kSplit };
}

export function checkTiling(t: GemmTiling): void {
  const ints = [t.tileM, t.tileN, t.tileK, t.threadM, t.threadN];
  if (ints.some((v) => !Number.isInteger(v) || v < 1)) throw new KernelShapeError(`tiling values must be positive integers: ${JSON.stringify(t)}`);
  if (t.tileM % t.threadM || t.tileN % t.threadN) throw new KernelShapeError(`tileM/tileN must be multiples of threadM/threadN: ${JSON.stringify(t)}`);
  const threads = (t.tileM / t.threadM) * (t.tileN / t.threadN);
  if (threads > 256) throw new KernelShapeError(`tiling needs ${threads} threads per workgroup; WebGPU guarantees 256`);
  if ((t.tileM + t.tileN) * t.tileK * 4 > 16384) throw new KernelShapeError(`tiling needs more than the guaranteed 16 KiB of workgroup memory`);
}

export function gemmWorkgroupSize(t: GemmTiling): [number, number, number] {
  return [t.tileN / t.threadN, t.tileM / t.threadM, 1];
}

/** Workgroup grid; `batch` (z) counts batch entries, or splits of a split-K GEMM. */
export function gemmDispatch(t: GemmTiling, m: number, n: number, batch = 1): [number, number, number] {
  const d: [number, number, number] = [ceilDiv(n, t.tileN), ceilDiv(m, t.tileM), batch];
  if (d.some((v) => v > 65535)) throw new KernelShapeError(`GEMM ${m}x${n} (batch ${batch}) needs grid ${d.join('x')}, over 65535 per dimension`);
  return d;
}

/** The family's filled accessor text followed by the filled GEMM main loop (split-K when `splitK`). */
export function gemmCode(familyCode: string, t: GemmTiling, aMFastest: boolean, bKFastest: boolean, splitK = false): string {
  checkTiling(t);
  const core = fillTemplate(
    WGSL.gemm_tiled,
    { TILE_M: t.tileM, TILE_N: t.tileN, TILE_K: t.tileK, THREAD_M: t.threadM, THREAD_N: t.threadN, A_M_FASTEST: aMFastest, B_K_FASTEST: bKFastest, SPLIT_K: splitK },
    'gemm_tiled.wgsl',
  );
  return `${familyCode}\n${core}`;
}
