/**
 * Lowering: from the plan's values to storage and steps, under a backend's fusion rules. Decided here once
 * for every backend; backends state their kernels' limits (FusionRules) and emit code for each step.
 *
 * Storage. Leaves own a buffer; views (reshape, stop_gradient) share their input's; every other value is
 * either stored or recomputed inside each fused group that reads it. A pointwise value is stored when
 * something other than a same-shape pointwise op or an in-group reduction reads it (a kernel, a view, a
 * broadcast, a pointwise op of another shape, a fetch, a state update), or when recomputing it would cost
 * more than `recomputeCap` weighted instructions or read more than `maxRecomputeReads` full-size tensors.
 *
 * Groups. Each stored pointwise value and each reduction (where the backend's groups reduce) roots a fused
 * group: the root and the unstored pointwise and broadcast values it reads, transitively, all of the group's
 * iteration shape. A group that breaks the backend's limits (`maxGroupInputs`, `fits`) gets its costliest
 * recomputed value stored instead, until every group fits. Groups with the same iteration shape that read
 * the same storage then merge into one pass (merge_groups.ts).
 *
 * Order. A step runs at the plan position of its last root; merging only moves groups later, and only past
 * steps that do not read them, so the order stays topological.
 */
import { BackendError } from '../errors.js';
import { opKind, type OpKind } from '../ops/op_names.js';
import { pointwiseCost, type PointwiseOpName } from '../ops/pointwise/pointwise.js';
import { groupProgram, type GroupProgram } from './group_program.js';
import { mergeGroups } from './merge_groups.js';
import { isScalarConstant } from './scalar_constant.js';
import type { FusedStep, PlanValue, Step } from './plan.js';
import { shapesEqual } from '../shape.js';

/** What a backend's fused kernel can do; every field has a default. */
export interface FusionRules {
  /** Recompute pointwise chains inside the groups that read them (default true); false stores every value. */
  readonly fuse?: boolean;
  /** Reductions (sum, max) are accumulating roots of fused groups (default true); false runs them as kernels. */
  readonly reduceInGroups?: boolean;
  /** Merge groups of one iteration shape that read the same storage into one pass (default true). */
  readonly merge?: boolean;
  /** Largest weighted expression a group recomputes instead of reading it (default 24). */
  readonly recomputeCap?: number;
  /** Most full-size tensors one recomputed value may read (default 3). */
  readonly maxRecomputeReads?: number;
  /** Most buffers one group reads, scalar constants not counted (default: no limit). */
  readonly maxGroupInputs?: number;
  /** Most values (roots and members) of a merged group (default 48). */
  readonly maxGroupSize?: number;
  /** The backend's own check that a group's program fits its kernel (registers, operand slots). */
  readonly fits?: (program: GroupProgram) => boolean;
}

/** Largest expression a stored value (a fetch or state update) is also recomputed through by its readers. */
const RECOMPUTE_THROUGH_CAP = 6;

export interface Lowered {
  readonly storage: Int32Array;
  readonly steps: Step[];
}

type Kind = OpKind | 'none';

/** Which values need storage (1: read as storage, 2: only fetched or updated), before cost limits. */
function storageNeeds(values: readonly PlanValue[], kept: readonly number[], kindOf: (v: PlanValue) => Kind, fuse: boolean): Uint8Array {
  const mat = new Uint8Array(values.length);
  const need = (i: number, why: 1 | 2): void => {
    const u = values[i]!;
    const k = kindOf(u);
    if (k === 'view') need(u.inputs[0]!, why);
    else if (k !== 'leaf') mat[i] = mat[i] === 1 ? 1 : why;
  };
  for (const v of values) {
    const k = kindOf(v);
    if (k === 'kernel' || k === 'reduce') mat[v.index] = 1;
    if (!fuse && (k === 'pointwise' || k === 'broadcast')) mat[v.index] = 1;
    for (const i of v.inputs) {
      const u = values[i]!;
      const uk = kindOf(u);
      if (k === 'kernel' || k === 'view' || k === 'broadcast') need(i, 1);
      else if (k === 'pointwise' && (uk === 'pointwise' || uk === 'broadcast') && !shapesEqual(u.shape, v.shape)) need(i, 1);
    }
  }
  for (const i of kept) need(i, 2);
  return mat;
}

export function lowerValues(values: readonly PlanValue[], kept: readonly number[], rules: FusionRules): Lowered {
  const fuse = rules.fuse !== false;
  const reduceInGroups = rules.reduceInGroups !== false;
  const cap = rules.recomputeCap ?? 24;
  const maxReads = rules.maxRecomputeReads ?? 3;
  const kindOf = (v: PlanValue): Kind => {
    const k = opKind(v.op);
    return k === 'reduce' && !reduceInGroups ? 'kernel' : k;
  };
  const mat = storageNeeds(values, kept, kindOf, fuse);
  const forced = new Set<number>();
  for (let round = 0; ; round++) {
    const lowered = lowerOnce(values, mat, forced, kindOf, fuse, cap, maxReads);
    const fitsRules = (g: Pick<FusedStep, 'roots' | 'members' | 'shape'>) => groupFits(values, lowered.storage, g, rules);
    const tooBig = lowered.steps.find((s): s is FusedStep => s.kind === 'fused' && !fitsRules(s));
    if (!tooBig) {
      if (rules.merge !== false && fuse) mergeGroups(lowered.steps, rules.maxGroupSize ?? 48, fitsRules);
      return lowered;
    }
    // store the costliest recomputed value of the group that does not fit, and lower again
    const victim = [...tooBig.members].filter((m) => kindOf(values[m]!) === 'pointwise').sort((a, b) => lowered.cost[b]! - lowered.cost[a]! || b - a)[0];
    if (victim === undefined || round > values.length) {
      const root = values[tooBig.roots[0]!]!;
      throw new BackendError(`lowering: the fused group of ${root.node} does not fit the backend's kernel even with nothing recomputed`);
    }
    forced.add(victim);
  }
}

/** One lowering pass with the values in `forced` stored. */
function lowerOnce(
  values: readonly PlanValue[], needs: Uint8Array, forced: ReadonlySet<number>, kindOf: (v: PlanValue) => Kind,
  fuse: boolean, cap: number, maxReads: number,
): Lowered & { cost: Float64Array } {
  const n = values.length;
  const mat = needs.slice();
  for (const i of forced) mat[i] = 1;
  // recomputation budget: the weighted size of the expression a reader would recompute, and the full-size
  // tensors it would read (recomputing a value that needs many tensors costs more than reading it once)
  const cost = new Float64Array(n);
  const reads: (Set<number> | null)[] = new Array(n).fill(null);
  const budget = (v: PlanValue): { c: number; r: Set<number> } => {
    const k = kindOf(v);
    let c = k === 'broadcast' ? 0 : pointwiseCost(v.op as PointwiseOpName);
    const r = new Set<number>();
    for (const i of v.inputs) {
      if (!mat[i] && reads[i]) {
        c += cost[i]!;
        for (const t of reads[i]!) r.add(t);
      } else if (k !== 'broadcast' && values[i]!.size === v.size) r.add(i);
    }
    return { c, r };
  };
  for (const v of values) {
    const k = kindOf(v);
    if (mat[v.index] || (k !== 'pointwise' && k !== 'broadcast')) continue;
    const { c, r } = budget(v);
    if (c > cap || r.size > maxReads) mat[v.index] = 1;
    else { cost[v.index] = c; reads[v.index] = r; }
  }
  // A cheap value stored only as a state update or fetch (an optimiser's new moments) is also recomputed by
  // the same-shape groups that read it, so the whole update of a parameter can merge into one pass.
  const through = new Uint8Array(n);
  if (fuse) {
    for (const v of values) {
      if (mat[v.index] !== 2 || forced.has(v.index) || kindOf(v) !== 'pointwise') continue;
      const { c, r } = budget(v);
      if (c <= RECOMPUTE_THROUGH_CAP && r.size <= maxReads) { through[v.index] = 1; cost[v.index] = c; reads[v.index] = r; }
    }
  }

  const storage = new Int32Array(n).fill(-1);
  for (const v of values) {
    const k = kindOf(v);
    if (k === 'leaf' || mat[v.index]) storage[v.index] = v.index;
    else if (k === 'view') storage[v.index] = storage[v.inputs[0]!]!;
  }
  const steps: Step[] = [];
  const inGroup = (i: number) => through[i] === 1 || (!mat[i] && (kindOf(values[i]!) === 'pointwise' || kindOf(values[i]!) === 'broadcast'));
  for (const v of values) {
    if (!mat[v.index]) continue;
    const k = kindOf(v);
    if (k === 'kernel' || k === 'broadcast') {
      steps.push({ kind: 'kernel', value: v.index, reads: [...new Set(v.inputs.map((i) => storage[i]!))] });
      continue;
    }
    // a fused group rooted at v
    const members = new Set<number>();
    const groupReads = new Set<number>();
    const visit = (i: number): void => {
      for (const j of values[i]!.inputs) {
        if (inGroup(j)) {
          if (!members.has(j)) { members.add(j); visit(j); }
        } else groupReads.add(storage[j]!);
      }
    };
    visit(v.index);
    const shape = k === 'reduce' ? values[v.inputs[0]!]!.shape : v.shape;
    steps.push({ kind: 'fused', roots: [v.index], members: [...members].sort((a, b) => a - b), shape, reads: [...groupReads] });
  }
  return { storage, steps, cost };
}

/** Whether a group meets the rules: at most maxGroupInputs buffers (scalar constants free) and the backend's check. */
function groupFits(values: readonly PlanValue[], storage: Int32Array, g: Pick<FusedStep, 'roots' | 'members' | 'shape'>, rules: FusionRules): boolean {
  if (rules.maxGroupInputs === undefined && !rules.fits) return true;
  const program = groupProgram(values, storage, g);
  if (rules.maxGroupInputs !== undefined) {
    const buffers = program.operands.filter((o) => !isScalarConstant(values[o.owner]!)).length;
    if (buffers > rules.maxGroupInputs) return false;
  }
  return rules.fits ? rules.fits(program) : true;
}
