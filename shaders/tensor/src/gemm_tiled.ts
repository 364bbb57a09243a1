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

/** 64x64 tiles, k-step 16, 4x4 per thread: 256 threads, 8 KiB of workgroup memory. */
export const DEFAULT_GEMM_TILING: GemmTiling = { tileM: 64, tileN: 64, tileK: 16, threadM: 4, threadN: 4 };

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

export function gemmDispatch(t: GemmTiling, m: number, n: number, batch = 1): [number, number, number] {
  const d: [number, number, number] = [ceilDiv(n, t.tileN), ceilDiv(m, t.tileM), batch];
  if (d.some((v) => v > 65535)) throw new KernelShapeError(`GEMM ${m}x${n} (batch ${batch}) needs grid ${d.join('x')}, over 65535 per dimension`);
  return d;
}

/** The family's filled accessor text followed by the filled GEMM main loop. */
export function gemmCode(familyCode: string, t: GemmTiling, aMFastest: boolean, bKFastest: boolean): string {
  checkTiling(t);
  const core = fillTemplate(
    WGSL.gemm_tiled,
    { TILE_M: t.tileM, TILE_N: t.tileN, TILE_K: t.tileK, THREAD_M: t.threadM, THREAD_N: t.threadN, A_M_FASTEST: aMFastest, B_K_FASTEST: bKFastest },
    'gemm_tiled.wgsl',
  );
  return `${familyCode}\n${core}`;
}
