/**
 * Step profiles: where one run of an executable spends its time, per plan step, with the kernel kind and the
 * layer of each step; backends that can time their steps implement Executable.profile. The summaries here
 * (by kind, by layer, with shares of the step) are what `dogo bench --profile` prints. Platform-neutral.
 */

/** One plan step as profiled. */
export interface ProfiledStep {
  /** Kernel kind: the op of a kernel step (conv2d, matmul, ...), 'fused pointwise', 'fused reduction', 'copy'. */
  readonly kind: string;
  /** The layer: the label of the step's node (a gradient carries its forward node's label), else '(unlabelled)'. */
  readonly layer: string;
  readonly ms: number;
  readonly launches: number;
  /** What the step ran, where a backend chooses among kernels (a convolution algorithm, a GEMM tiling). */
  readonly variant?: string;
}

/** One profiled run. */
export interface StepProfile {
  readonly backend: string;
  /**
   * How steps were timed: 'wall' host clock around each step's launches (wasm); 'gpu-timestamps' GPU timestamp
   * queries around each dispatch; 'submit' each step submitted alone and waited for (GPU without timestamps).
   */
  readonly timing: 'wall' | 'gpu-timestamps' | 'submit';
  /** Milliseconds of the steps together. */
  readonly totalMs: number;
  readonly steps: readonly ProfiledStep[];
}

/** A row of a profile summary: a kind or a layer, its milliseconds, launches and share of the step. */
export interface ProfileRow {
  readonly name: string;
  readonly ms: number;
  readonly launches: number;
  readonly share: number;
}

function summarise(p: StepProfile, keyOf: (s: ProfiledStep) => string): ProfileRow[] {
  const rows = new Map<string, { ms: number; launches: number }>();
  for (const s of p.steps) {
    const r = rows.get(keyOf(s)) ?? { ms: 0, launches: 0 };
    r.ms += s.ms;
    r.launches += s.launches;
    rows.set(keyOf(s), r);
  }
  const total = p.totalMs > 0 ? p.totalMs : 1;
  return [...rows].map(([name, r]) => ({ name, ...r, share: r.ms / total })).sort((a, b) => b.ms - a.ms);
}

/** Time per kernel kind, largest first. */
export function profileByKind(p: StepProfile): ProfileRow[] {
  return summarise(p, (s) => s.kind);
}

/** Time per layer, largest first. */
export function profileByLayer(p: StepProfile): ProfileRow[] {
  return summarise(p, (s) => s.layer);
}

/** Time per (layer, kind[, variant]), largest first: which kernel of which layer costs what. */
export function profileByLayerAndKind(p: StepProfile): ProfileRow[] {
  return summarise(p, (s) => `${s.layer}  ${s.kind}${s.variant ? ` [${s.variant}]` : ''}`);
}
