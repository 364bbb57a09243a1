/**
 * GEMM launch planning: parameters, defaults and the split of C between threads (by column panels when
 * N >= M, else by row panels; each thread packs its own blocks, no synchronisation inside the kernel).
 * Kernel contract: tools/wat/gemm.mjs.
 */
import { checkSizes, KernelParamError, launch, type KernelLaunch, type PlanContext } from './launch.js';
import { splitRange, threadsFor } from './split.js';

/** C[m,n] (+)= op(A)[m,k] . op(B)[k,n], float32 row-major; a, b, c are byte offsets. */
export interface GemmParams {
  m: number; n: number; k: number;
  a: number; b: number; c: number;
  /** Leading dimensions in elements; default: the packed row length of the stored matrix. */
  lda?: number; ldb?: number; ldc?: number;
  /** A stored [k,m] instead of [m,k]. */
  transposeA?: boolean;
  /** B stored [n,k] instead of [k,n]. */
  transposeB?: boolean;
  /** Add to C instead of overwriting it. */
  accumulate?: boolean;
}

/** Minimum multiply-adds per thread before a GEMM is split. */
const MIN_MACS_PER_THREAD = 1 << 19;

export function planGemm(ctx: PlanContext, p: GemmParams): KernelLaunch {
  const { m, n, k } = p;
  checkSizes('gemm', { m, n, k });
  const tA = p.transposeA ? 1 : 0, tB = p.transposeB ? 1 : 0;
  const lda = p.lda ?? (tA ? m : k), ldb = p.ldb ?? (tB ? k : n), ldc = p.ldc ?? n;
  if (lda < (tA ? m : k) || ldb < (tB ? k : n) || ldc < n) {
    throw new KernelParamError(`gemm: leading dimension too small (lda ${lda}, ldb ${ldb}, ldc ${ldc} for m ${m} n ${n} k ${k})`);
  }
  const flags = p.accumulate ? 1 : 0;
  const head = [tA, tB, m, n, k, p.a, lda, p.b, ldb, p.c, ldc, flags];
  const T = threadsFor(m * n * Math.max(k, 1), ctx.threads, MIN_MACS_PER_THREAD);
  const byCols = n >= m;
  const ranges = splitRange(byCols ? n : m, T, byCols ? ctx.nr : ctx.mr);
  const calls = ranges.map(([lo, hi], t) => byCols
    ? [...head, 0, m, lo, hi, ctx.gemmScratch(t)]
    : [...head, lo, hi, 0, n, ctx.gemmScratch(t)]);
  return launch(ctx, 'gemm', calls);
}
