/**
 * What tuning may vary in a GEMM-shaped kernel step (matmul, conv2d and its two backward ops): the tiling,
 * the split-K factor of a weight gradient, and whether a strided input gradient runs one GEMM per stride
 * phase. For each tunable step: its GEMM sizes and the candidates a tune mode tries (the fixed rule's own
 * choice always among them, so a tuned step is never slower than the rule on the timings it was chosen by).
 * Knows nothing of devices. Internal to the backend.
 */
import { attrsOf, matmulDims, sizeOf, type PlanValue, type TuneMode } from '@dogo/core';
import { GEMM_TILINGS, chooseGemmTiling, chooseSplitK, type GemmTilingName } from '@dogo/shaders-tensor';

/** One variant of a GEMM-shaped kernel step; absent fields keep the fixed rule's choice. */
export interface GemmChoice {
  readonly tiling: GemmTilingName;
  /** Split-K factor (conv2d_backward_weight). */
  readonly splits?: number;
  /** One GEMM per stride phase (conv2d_backward_data with stride > 1). */
  readonly phases?: boolean;
}

/** The ops whose kernels tuning varies. */
export const TUNABLE_OPS = ['matmul', 'conv2d', 'conv2d_backward_data', 'conv2d_backward_weight'] as const;
export type TunableOp = (typeof TUNABLE_OPS)[number];

export function isTunable(op: string): op is TunableOp {
  return (TUNABLE_OPS as readonly string[]).includes(op);
}

/** A tunable step's GEMM: C is m x n, reduction k; `strided` for an input gradient with stride > 1. */
export interface GemmDims { readonly m: number; readonly n: number; readonly k: number; readonly strided: boolean }

/** The GEMM sizes of a tunable step (v computes the op, ins are its inputs). */
export function gemmDims(v: PlanValue, ins: readonly PlanValue[]): GemmDims {
  const op = v.op as TunableOp;
  if (op === 'matmul') {
    const a = attrsOf(v, 'matmul');
    return { ...matmulDims(ins[0]!.shape, ins[1]!.shape, a), strided: false };
  }
  if (op === 'conv2d') {
    const [o, c, kh, kw] = ins[1]!.shape as [number, number, number, number];
    return { m: o, n: sizeOf(v.shape) / o, k: c * kh * kw, strided: false };
  }
  if (op === 'conv2d_backward_data') {
    const a = attrsOf(v, 'conv2d_backward_data');
    const [o, c, kh, kw] = ins[1]!.shape as [number, number, number, number];
    return { m: c, n: sizeOf(v.shape) / c, k: o * kh * kw, strided: a.stride.some((s) => s > 1) };
  }
  const a = attrsOf(v, 'conv2d_backward_weight');
  const [o, c, kh, kw] = a.weightShape as [number, number, number, number];
  return { m: o, n: c * kh * kw, k: sizeOf(ins[1]!.shape) / o, strided: false };
}

/** The fixed rule's choice (what an untuned step runs). */
export function ruleChoice(op: TunableOp, d: GemmDims): GemmChoice {
  const tiling = chooseGemmTiling(d.m, d.n);
  if (op === 'conv2d_backward_weight') return { tiling, splits: chooseSplitK(GEMM_TILINGS[tiling], d.m, d.n, d.k).splits };
  if (op === 'conv2d_backward_data' && d.strided) return { tiling, phases: true };
  return { tiling };
}

const SQUARES: GemmTilingName[] = ['square32', 'square64', 'square128'];
const THIN_M: GemmTilingName[] = ['wide4', 'wide8', 'wide16'];
const THIN_N: GemmTilingName[] = ['tall4', 'tall8', 'tall16'];

/**
 * The candidates of a step for a tune mode, the rule's choice first. quick: the rule's tiling, the square
 * tilings and (for thin GEMMs) the thin ones that fit, with the rule's split and no split, or both phase
 * choices; full: every tiling with no split, the rule's split and 2, 4, ... up to 4x the rule's, and both
 * phase choices.
 */
export function gemmCandidates(op: TunableOp, d: GemmDims, mode: Exclude<TuneMode, 'off'>): GemmChoice[] {
  const rule = ruleChoice(op, d);
  const all = Object.keys(GEMM_TILINGS) as GemmTilingName[];
  const tilings = mode === 'full' ? all : [...new Set([rule.tiling, ...SQUARES,
    ...(d.m <= 16 ? THIN_M.filter((t) => GEMM_TILINGS[t].tileM >= Math.min(d.m, 4)) : []),
    ...(d.n <= 16 ? THIN_N.filter((t) => GEMM_TILINGS[t].tileN >= Math.min(d.n, 4)) : [])])];
  const out: GemmChoice[] = [rule];
  const key = (c: GemmChoice) => `${c.tiling}|${c.splits ?? ''}|${c.phases ?? ''}`;
  const seen = new Set([key(rule)]);
  const push = (c: GemmChoice) => {
    if (!seen.has(key(c))) { seen.add(key(c)); out.push(c); }
  };
  for (const tiling of tilings) {
    if (op === 'conv2d_backward_weight') {
      const ruleSplits = chooseSplitK(GEMM_TILINGS[tiling], d.m, d.n, d.k).splits;
      const factors = mode === 'full'
        ? [1, ruleSplits, ...[2, 4, 8, 16, 32, 64].filter((f) => f <= Math.max(4 * ruleSplits, 4))]
        : [1, ruleSplits];
      for (const f of new Set(factors)) {
        const split = chooseSplitK(GEMM_TILINGS[tiling], d.m, d.n, d.k, f);
        push({ tiling, splits: split.splits });
      }
    } else if (op === 'conv2d_backward_data' && d.strided) {
      push({ tiling, phases: true });
      push({ tiling, phases: false });
    } else {
      push({ tiling });
    }
  }
  return out;
}

/** A short name of a choice for profiles and reports: "square64", "square32 split 4", "wide8 no phases". */
export function choiceName(c: GemmChoice): string {
  return [c.tiling, c.splits !== undefined && c.splits > 1 ? `split ${c.splits}` : '', c.phases === false ? 'no phases' : ''].filter(Boolean).join(' ');
}
