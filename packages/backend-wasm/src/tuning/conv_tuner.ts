/**
 * Convolution algorithm tuning on the running machine: for one convolution shape and direction, every
 * applicable algorithm (im2col, Winograd F(2x2), F(4x4), F(6x6)) is timed on the live runtime (its threads, its
 * kernel build) at a batch small enough to keep compile short, and the fastest kept. Choices live in an
 * injected TuningCache under a key naming the machine, the kernel build (a hash of its bytes), the thread
 * count, the direction and the whole shape; a key found in the cache is never timed again, so runs that share
 * a cache make the same choices (and compute the same numbers). Internal to the backend.
 */
import { fnv1a, type TuneMode, type TuningCache } from '@dogo/core';
import { KERNELS_RELAXED_BASE64, KERNELS_SIMD_BASE64 } from '../kernels.gen.js';
import { conv2dAlgorithms, conv2dOutputSize, type Conv2dAlgorithm, type Conv2dDirection, type Conv2dGeometry } from '../runtime/conv2d.js';
import type { WasmRuntime } from '../runtime/wasm_runtime.js';
import { ruleConvAlgorithm } from './conv_rule.js';

/** A convolution to choose an algorithm for. */
export interface ConvShape extends Conv2dGeometry {
  readonly direction: Conv2dDirection;
}

/** How a choice was made: the fixed rule, a forced algorithm, the cache, or timing now. */
export type ConvChoiceSource = 'rule' | 'forced' | 'cache' | 'timed';

/** An algorithm and where it came from. */
export interface ConvChoice {
  readonly algorithm: Conv2dAlgorithm;
  readonly source: ConvChoiceSource;
  /** Best milliseconds of one run per candidate, at `timingBatch` images (timed and cached choices). */
  readonly timings?: Partial<Record<Conv2dAlgorithm, number>>;
  readonly timingBatch?: number;
}

/** What tuning needs besides the runtime. */
export interface ConvTuningOptions {
  readonly mode: TuneMode;
  readonly cache: TuningCache;
  /** The machine in cache keys (the adapter's description: CPU model, cores, engine). */
  readonly machine: string;
  /** Use this algorithm wherever it applies (tests, benchmarks); tuning and the rule are skipped. */
  readonly force?: Conv2dAlgorithm;
  /** Milliseconds one call of `run` takes; the default times it with performance.now (tests inject a clock). */
  readonly measure?: (algorithm: Conv2dAlgorithm, run: () => void) => number;
}

/** Multiply-adds a timing run aims for, and timed runs per candidate (after one untimed), per mode. */
const TIMING: Record<Exclude<TuneMode, 'off'>, { macs: number; reps: number }> = {
  quick: { macs: 4e8, reps: 3 },
  full: { macs: 1.5e9, reps: 7 },
};

const buildHash: Partial<Record<string, string>> = {};
/** A hash of the kernel module's bytes: a new kernel build never reuses an old build's choices. */
function kernelBuild(variant: 'simd' | 'relaxed'): string {
  return (buildHash[variant] ??= fnv1a(variant === 'relaxed' ? KERNELS_RELAXED_BASE64 : KERNELS_SIMD_BASE64));
}

/** The cache key of a shape on this runtime and machine. */
export function convTuningKey(rt: WasmRuntime, machine: string, s: ConvShape): string {
  const g = `n${s.n}c${s.c}h${s.h}w${s.w}o${s.o}k${s.kh}x${s.kw}s${s.strideH ?? 1}x${s.strideW ?? 1}p${s.padH ?? 0}x${s.padW ?? 0}`;
  return `wasm-conv|${machine}|${rt.variant}-${kernelBuild(rt.variant)}|threads ${rt.threads}|${s.direction}|${g}`;
}

interface CachedChoice { algorithm: Conv2dAlgorithm; timings: Partial<Record<Conv2dAlgorithm, number>>; timingBatch: number }

function isCachedChoice(v: unknown, candidates: readonly Conv2dAlgorithm[]): v is CachedChoice {
  const c = v as Partial<CachedChoice> | undefined;
  return !!c && typeof c === 'object' && candidates.includes(c.algorithm as Conv2dAlgorithm) && typeof c.timingBatch === 'number';
}

/** Chooses the algorithm of one convolution (see the module comment). */
export async function chooseConvAlgorithm(rt: WasmRuntime, s: ConvShape, o: ConvTuningOptions): Promise<ConvChoice> {
  const candidates = conv2dAlgorithms(s, s.direction);
  if (o.force !== undefined) return { algorithm: candidates.includes(o.force) ? o.force : 'im2col', source: 'forced' };
  if (o.mode === 'off' || candidates.length === 1) return { algorithm: ruleConvAlgorithm(s, s.direction), source: 'rule' };
  const key = convTuningKey(rt, o.machine, s);
  const hit = await o.cache.get(key);
  if (isCachedChoice(hit, candidates)) return { algorithm: hit.algorithm, source: 'cache', timings: hit.timings, timingBatch: hit.timingBatch };
  const timed = timeCandidates(rt, s, candidates, TIMING[o.mode], o.measure ?? wallClock);
  await o.cache.set(key, timed);
  return { ...timed, source: 'timed' };
}

const wallClock = (_: Conv2dAlgorithm, run: () => void): number => {
  const t = performance.now();
  run();
  return performance.now() - t;
};

/** Deterministic values in [-1, 1) for timing inputs. */
function fill(rt: WasmRuntime, at: number, count: number): void {
  const f = rt.f32(at, count);
  let x = 0x9e3779b9;
  for (let k = 0; k < count; k++) {
    x = Math.imul(x ^ (x >>> 15), 0x85ebca6b) >>> 0;
    f[k] = (x / 2 ** 31) - 1;
  }
}

function timeCandidates(rt: WasmRuntime, s: ConvShape, candidates: readonly Conv2dAlgorithm[],
  budget: { macs: number; reps: number }, measure: (a: Conv2dAlgorithm, run: () => void) => number): CachedChoice {
  const { oh, ow } = conv2dOutputSize(s);
  const macsPerImage = s.c * s.o * s.kh * s.kw * oh * ow;
  const n = Math.min(s.n, Math.max(2 * rt.threads, Math.ceil(budget.macs / Math.max(macsPerImage, 1))));
  const g = { ...s, n };
  const xIn = n * s.c * s.h * s.w, yOut = n * s.o * oh * ow, wSize = s.o * s.c * s.kh * s.kw;
  const x = rt.allocF32(xIn + 16), y = rt.allocF32(yOut + 16), w = rt.allocF32(wSize + 16);
  try {
    fill(rt, x, xIn); fill(rt, y, yOut); fill(rt, w, wSize);
    const run = (algorithm: Conv2dAlgorithm) => () => {
      if (s.direction === 'forward') rt.conv2dForward({ ...g, x, weight: w, y, algorithm });
      else rt.conv2dBackwardData({ ...g, dy: y, weight: w, dx: x, algorithm });
    };
    const timings: Partial<Record<Conv2dAlgorithm, number>> = {};
    for (const a of candidates) {
      run(a)();
      let best = Infinity;
      for (let r = 0; r < budget.reps; r++) best = Math.min(best, measure(a, run(a)));
      timings[a] = best;
    }
    // the fastest; ties keep the earlier candidate (im2col first)
    const algorithm = candidates.reduce((b, a) => (timings[a]! < timings[b]! ? a : b));
    return { algorithm, timings, timingBatch: n };
  } finally {
    rt.free(x); rt.free(y); rt.free(w);
  }
}
