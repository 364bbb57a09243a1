/**
 * From a core Plan to a schedule of kernels: which values get storage, which pointwise chains fuse into one
 * program, and the order kernels run in. Internal to the backend; kernel emission and memory come later.
 *
 * Storage. Leaves own a region; views (reshape, stop_gradient) share their input's storage; every other value
 * is either materialised (it owns storage) or recomputed inside each fused program that reads it. A pointwise
 * value is materialised when something other than a same-shape pointwise op or a reduction reads it (a kernel,
 * a view, a broadcast, a smaller or larger pointwise op, a fetch or a state update), or when recomputing its
 * expression would cost more than RECOMPUTE_CAP instructions.
 *
 * Fusion. Each materialised pointwise or reduction value is the root of a fused group: the root and the
 * non-materialised pointwise values it reads, transitively (they all have the group's iteration shape: the
 * root's shape, or a reduction's input shape). Groups with the same iteration shape that read the same
 * storage merge into one pass (batch-norm backward's three sums, for instance) when no kernel reads the earlier
 * group's outputs before the later one runs.
 *
 * Order. A kernel runs at the plan position of its last root; merging only moves groups later, and only past
 * kernels that do not read them, so the order stays topological.
 */
import type { Plan, PlanValue, Shape } from '@dogo/core';
import { normalizeAxes, shapesEqual } from '@dogo/core';
import { LOWERINGS, recomputeCost } from './op_table.js';

/** Largest recomputed expression (in weighted instructions) before a value is materialised instead. */
export const RECOMPUTE_CAP = 24;
/** Largest expression a stored update is recomputed through (see `through` in lowerPlan). */
const RECOMPUTE_THROUGH_CAP = 6;
/** Most full-size tensors a recomputed value may read; past that it is materialised. */
export const MAX_RECOMPUTE_READS = 3;
/** Most members (instructions) of a merged group. */
const MAX_GROUP_MEMBERS = 48;

/** One launchable unit of the schedule. */
export interface Kernel {
  /** fused: a program; op: the root's own kernel; bn_stats: batch-norm mean and variance (roots [mean, var]). */
  readonly kind: 'fused' | 'op' | 'bn_stats';
  /** Plan position: the kernel runs after every kernel with a smaller one. */
  pos: number;
  /** Values this kernel writes (each owns its storage). */
  roots: number[];
  /** Fused: recomputed values, in plan order (roots excluded). */
  members: number[];
  /** Fused: the iteration shape. */
  shape: Shape;
  /** Storage owners this kernel reads. */
  reads: Set<number>;
}

export interface Lowered {
  /** Value index -> index of the value that owns its storage; -1 for values that live only in fused programs. */
  readonly storage: Int32Array;
  /** Kernels in run order. */
  readonly kernels: Kernel[];
  /** Storage owners that must survive the step (fetches, state updates). */
  readonly kept: Set<number>;
}

/** Options of the lowering (tests switch fusion off to check the unfused path). */
export interface LoweringOptions {
  /** Recompute pointwise chains inside consumers (default true); false materialises every value. */
  fuse?: boolean;
  /** Merge same-shape groups that read the same storage (default true). */
  merge?: boolean;
  /** Recomputation budget per value (default RECOMPUTE_CAP). */
  recomputeCap?: number;
  /** Compute batch-norm statistics of NCHW tensors with the batch_norm_stats kernel (default true). */
  bnStats?: boolean;
}

/** Input channels' planes below which batch-norm statistics stay fused programs. */
const BN_STATS_MIN_PLANE = 16;

/**
 * Finds core's batch-norm statistics, mean = sum(x, [0,2,3], keepdims) * (1/count) and
 * variance = sum(square(x - mean), [0,2,3], keepdims) * (1/count) over x [N,C,H,W], and returns them by the
 * variance's index: the batch_norm_stats kernel computes both per channel, its second pass over a channel's
 * planes reading them from cache instead of memory (the same two-pass formula, accumulated in float64).
 */
function findBatchNormStats(values: readonly PlanValue[], consumers: number[][]): Map<number, { x: number; mean: number }> {
  const found = new Map<number, { x: number; mean: number }>();
  const scalar = (i: number, want: number) => values[i]!.op === 'fill' && values[i]!.size === 1 && values[i]!.attrs['value'] === want;
  const stat = (v: PlanValue): { sum: PlanValue; x: PlanValue } | null => {
    if (v.op !== 'mul') return null;
    for (const [a, b] of [[0, 1], [1, 0]] as const) {
      const sum = values[v.inputs[a]!]!;
      if (sum.op !== 'sum' || sum.attrs['keepdims'] !== true) continue;
      const x = values[sum.inputs[0]!]!;
      if (x.shape.length !== 4 || x.dtype !== 'float32') continue;
      const axes = normalizeAxes(sum.attrs['axes'] as number[], 4);
      if (axes.join() !== '0,2,3') continue;
      const count = x.shape[0]! * x.shape[2]! * x.shape[3]!;
      if (scalar(v.inputs[b]!, 1 / count)) return { sum, x };
    }
    return null;
  };
  for (const v of values) {
    const varStat = stat(v);
    if (!varStat) continue;
    const q = values[varStat.sum.inputs[0]!]!;
    const d = q.op === 'square' ? values[q.inputs[0]!]! : q.op === 'mul' && q.inputs[0] === q.inputs[1] ? values[q.inputs[0]!]! : null;
    if (!d || d.op !== 'sub') continue;
    const x = values[d.inputs[0]!]!, mean = values[d.inputs[1]!]!;
    const meanStat = stat(mean);
    if (!meanStat || meanStat.x.index !== x.index || x.shape[2]! * x.shape[3]! < BN_STATS_MIN_PLANE) continue;
    // the kernel runs at the variance's position: nothing may read the mean before
    if (consumers[mean.index]!.some((c) => c < v.index && c !== d.index)) continue;
    found.set(v.index, { x: x.index, mean: mean.index });
  }
  return found;
}

export function lowerPlan(plan: Plan, options: LoweringOptions = {}): Lowered {
  const { values } = plan;
  const n = values.length;
  const kindOf = (v: PlanValue) => LOWERINGS[v.op].kind;
  const mat = new Uint8Array(n);
  const fuse = options.fuse !== false;
  const consumers: number[][] = values.map(() => []);
  for (const v of values) for (const i of v.inputs) consumers[i]!.push(v.index);

  // batch-norm statistics: the mean and the variance come from one kernel reading x
  const stats = fuse && options.bnStats !== false ? findBatchNormStats(values, consumers) : new Map<number, { x: number; mean: number }>();
  const statOf = new Map<number, number>();
  for (const [variance, st] of stats) { statOf.set(variance, st.x); statOf.set(st.mean, st.x); }
  const inputsOf = (v: PlanValue): readonly number[] => {
    const x = statOf.get(v.index);
    return x === undefined ? v.inputs : [x];
  };
  // values nothing live reads are not computed (the statistics' sums, once the kernel replaces them)
  const live = new Uint8Array(n);
  for (const i of [...plan.outputs.values(), ...plan.updates.values()]) live[i] = 1;
  for (let i = n - 1; i >= 0; i--) if (live[i]) for (const j of inputsOf(values[i]!)) live[j] = 1;

  // --- which values need storage ---------------------------------------------------------------------
  // mat: 1 = storage needed by a kernel or a consumer of another shape, 2 = only as a fetch or state update
  const need = (i: number, why = 1): void => {
    const u = values[i]!;
    const k = kindOf(u);
    if (k === 'view') need(u.inputs[0]!, why);
    else if (k !== 'leaf') mat[i] = mat[i] === 1 ? 1 : why;
  };
  for (const v of values) {
    if (!live[v.index]) continue;
    if (statOf.has(v.index)) {
      mat[v.index] = 1;
      need(statOf.get(v.index)!);
      continue;
    }
    const k = kindOf(v);
    if (k === 'kernel' || k === 'reduce') mat[v.index] = 1;
    if (!fuse && (k === 'pointwise' || k === 'broadcast')) mat[v.index] = 1;
    for (const i of v.inputs) {
      const u = values[i]!;
      const uk = kindOf(u);
      if (k === 'kernel' || k === 'view' || k === 'broadcast') need(i);
      else if (k === 'pointwise' && (uk === 'pointwise' || uk === 'broadcast') && !shapesEqual(u.shape, v.shape)) need(i);
    }
  }
  const kept = new Set<number>();
  for (const i of [...plan.outputs.values(), ...plan.updates.values()]) need(i, 2);

  // recomputation budget: the weighted size of the expression a consumer would recompute, and the full-size
  // tensors it would read (recomputing a value that needs many tensors costs more than reading it once)
  const cost = new Float64Array(n);
  const reads: (Set<number> | null)[] = new Array(n).fill(null);
  const cap = options.recomputeCap ?? RECOMPUTE_CAP;
  for (const v of values) {
    const k = kindOf(v);
    if (mat[v.index] || (k !== 'pointwise' && k !== 'broadcast')) continue;
    let c = recomputeCost(v.op);
    const r = new Set<number>();
    for (const i of v.inputs) {
      const u = values[i]!;
      if (!mat[i] && reads[i]) {
        c += cost[i]!;
        for (const t of reads[i]!) r.add(t);
      } else if (k !== 'broadcast' && u.size === v.size) r.add(i);
    }
    if (c > cap || r.size > MAX_RECOMPUTE_READS) mat[v.index] = 1;
    else { cost[v.index] = c; reads[v.index] = r; }
  }
  // A cheap value stored only as a state update or fetch (an optimiser's new moments) is also recomputed by
  // the same-shape groups that read it, so the whole update of a parameter can merge into one pass.
  const through = new Uint8Array(n);
  for (const v of values) {
    if (mat[v.index] !== 2 || kindOf(v) !== 'pointwise') continue;
    let c = recomputeCost(v.op);
    const r = new Set<number>();
    for (const i of v.inputs) {
      if (!mat[i] && reads[i]) { c += cost[i]!; for (const t of reads[i]!) r.add(t); } else if (values[i]!.size === v.size) r.add(i);
    }
    if (fuse && c <= RECOMPUTE_THROUGH_CAP && r.size <= MAX_RECOMPUTE_READS) { through[v.index] = 1; cost[v.index] = c; reads[v.index] = r; }
  }

  const storage = new Int32Array(n).fill(-1);
  for (const v of values) {
    const k = kindOf(v);
    if (k === 'leaf' || mat[v.index]) storage[v.index] = v.index;
    else if (k === 'view') storage[v.index] = storage[v.inputs[0]!]!;
  }
  for (const i of [...plan.outputs.values(), ...plan.updates.values()]) kept.add(storage[i]!);

  // --- kernels -----------------------------------------------------------------------------------------
  const kernels: Kernel[] = [];
  const inGroup = (i: number) => through[i] === 1 || (!mat[i] && (kindOf(values[i]!) === 'pointwise' || kindOf(values[i]!) === 'broadcast'));
  for (const v of values) {
    if (!mat[v.index] || !live[v.index]) continue;
    const st = stats.get(v.index);
    if (st) {
      kernels.push({ kind: 'bn_stats', pos: v.index, roots: [st.mean, v.index], members: [], shape: values[st.x]!.shape, reads: new Set([storage[st.x]!]) });
      continue;
    }
    if (statOf.has(v.index)) continue;
    const k = kindOf(v);
    if (k === 'kernel' || k === 'broadcast') {
      kernels.push({ kind: 'op', pos: v.index, roots: [v.index], members: [], shape: v.shape, reads: new Set(v.inputs.map((i) => storage[i]!)) });
      continue;
    }
    // a fused group rooted at v
    const shape = k === 'reduce' ? values[v.inputs[0]!]!.shape : v.shape;
    const members = new Set<number>();
    const reads = new Set<number>();
    const visit = (i: number): void => {
      const u = values[i]!;
      for (const j of u.inputs) {
        if (inGroup(j)) {
          if (!members.has(j)) { members.add(j); visit(j); }
        } else reads.add(storage[j]!);
      }
    };
    visit(v.index);
    kernels.push({ kind: 'fused', pos: v.index, roots: [v.index], members: [...members].sort((a, b) => a - b), shape, reads });
  }
  if (options.merge !== false) mergeGroups(kernels);
  kernels.sort((a, b) => a.pos - b.pos);
  return { storage, kernels, kept };
}

/**
 * Horizontal fusion: a fused group moves into a later group of the same iteration shape that reads some of
 * the same storage, when every kernel reading the earlier group's outputs runs after the later group.
 */
function mergeGroups(kernels: Kernel[]): void {
  const readers = new Map<number, Set<number>>();
  kernels.forEach((k, id) => {
    for (const s of k.reads) {
      let set = readers.get(s);
      if (!set) readers.set(s, (set = new Set()));
      set.add(id);
    }
  });
  const alive = new Uint8Array(kernels.length).fill(1);
  const order = kernels.map((_, id) => id).sort((a, b) => kernels[a]!.pos - kernels[b]!.pos);
  for (const id of order) {
    const g = kernels[id]!;
    if (!alive[id] || g.kind !== 'fused') continue;
    // the earliest kernel that reads one of g's outputs bounds how far g may move
    let bound = Infinity;
    for (const r of g.roots) for (const rd of readers.get(r) ?? []) if (alive[rd]) bound = Math.min(bound, kernels[rd]!.pos);
    let best = -1;
    for (const s of g.reads) {
      for (const cand of readers.get(s) ?? []) {
        const h = kernels[cand]!;
        if (cand === id || !alive[cand] || h.kind !== 'fused' || h.pos <= g.pos || h.pos >= bound) continue;
        if (!shapesEqual(h.shape, g.shape)) continue;
        if (h.members.length + g.members.length + h.roots.length + g.roots.length > MAX_GROUP_MEMBERS) continue;
        if (best < 0 || h.pos < kernels[best]!.pos) best = cand;
      }
    }
    if (best < 0) continue;
    const h = kernels[best]!;
    h.roots.push(...g.roots);
    h.members = [...new Set([...h.members, ...g.members])].sort((a, b) => a - b);
    for (const s of g.reads) {
      h.reads.add(s);
      readers.get(s)!.delete(id);
      readers.get(s)!.add(best);
    }
    alive[id] = 0;
  }
  let w = 0;
  for (let id = 0; id < kernels.length; id++) if (alive[id]) kernels[w++] = kernels[id]!;
  kernels.length = w;
}
