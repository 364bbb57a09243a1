/**
 * The WebGPU backend's planner pass: fuses trees of pointwise ops (unary and binary, with broadcasting)
 * into groups that run as one generated kernel (fused_pointwise in @dogo/shaders-tensor), then plans
 * buffer slots again for the fused schedule. A producer joins its consumer's group when it is pointwise
 * (or a reshape of a value outside the group: a view, no copy), every reader of it is in the group, and
 * it is neither fetched nor a state update; the group's external inputs (at most MAX_FUSED_INPUTS
 * buffers) are read with broadcast strides, and fills (and one-element float constants) become uniform
 * scalars. Re-planning is required, not an optimisation: a fused group
 * reads its inputs when its root runs, later than the absorbed producer the core's plan assumed.
 * Internal to the backend.
 */
import { BINARY_OP_NAMES, UNARY_OP_NAMES, planMemory, type OpName, type Plan, type PlanValue } from '@dogo/core';
import { MAX_FUSED_INPUTS } from '@dogo/shaders-tensor';

/** A buffer a fused kernel reads: a value's buffer, seen with `shape` (its own, or a reshape's). */
export interface FusedInput {
  readonly value: number;
  readonly shape: readonly number[];
}

/**
 * A fused tree: `members` in plan order with the root (the only value it materialises) last. Members
 * that are reshapes of an external value are views, not ops: the kernel reads their source with their shape.
 */
export interface FusedGroup {
  readonly root: number;
  readonly members: readonly number[];
  /** Buffers the kernel binds, in order of first use. */
  readonly inputs: readonly FusedInput[];
  /** External values passed as uniform scalars (fills, one-element float constants). */
  readonly scalars: readonly number[];
}

/** What the backend runs: the materialised computed values in order, fused groups by root, slots. */
export interface Schedule {
  /** Computed values that get launches, in plan order; a fused group appears as its root. */
  readonly steps: readonly number[];
  /** Fused groups (two or more members) by root. */
  readonly groups: ReadonlyMap<number, FusedGroup>;
  /** Slot of each value index (-1 for leaves and absorbed values). */
  readonly slot: readonly number[];
  readonly slotBytes: readonly number[];
}

// stop_gradient is the identity in the forward pass: a pointwise op like any other here.
const POINTWISE = new Set<OpName>([...UNARY_OP_NAMES, ...BINARY_OP_NAMES, 'stop_gradient']);

/** True for a computed unary or binary pointwise value (stop_gradient included). */
export function isPointwise(v: PlanValue): boolean {
  return v.kind === 'compute' && POINTWISE.has(v.op);
}

/** A float reshape: a view of its input, fused as such when its input stays outside the group. */
function isView(v: PlanValue): boolean {
  return v.kind === 'compute' && v.op === 'reshape' && v.dtype === 'float32';
}

/** The value of a float leaf that is the same everywhere (a fill, a one-element constant), else undefined. */
export function scalarValue(v: PlanValue): number | undefined {
  if (v.kind !== 'constant' || v.dtype !== 'float32') return undefined;
  const x = v.op === 'fill' ? (v.attrs['value'] as number) : v.size === 1 ? (v.attrs['data'] as Float32Array)[0] : undefined;
  return x !== undefined && Number.isFinite(x) ? x : undefined;
}

export interface FuseOptions {
  /** Buffers one fused kernel may read (default MAX_FUSED_INPUTS). */
  readonly maxInputs?: number;
}

/** The buffers and scalars a set of members reads from outside. */
function externals(values: readonly PlanValue[], members: ReadonlySet<number>): { inputs: FusedInput[]; scalars: number[] } {
  const inputs: FusedInput[] = [];
  const scalars: number[] = [];
  const seen = new Set<string>();
  for (const m of [...members].sort((a, b) => a - b)) {
    const view = isView(values[m]!);
    for (const i of values[m]!.inputs) {
      if (members.has(i)) continue;
      if (scalarValue(values[i]!) !== undefined) {
        if (!scalars.includes(i)) scalars.push(i);
        continue;
      }
      const shape = view ? values[m]!.shape : values[i]!.shape;
      const key = `${i}:${shape.join(',')}`;
      if (!seen.has(key)) inputs.push({ value: i, shape });
      seen.add(key);
    }
  }
  return { inputs, scalars };
}

/** Groups of two or more pointwise values (and views) that can run as one kernel. */
export function fusePointwise(plan: Plan, options: FuseOptions = {}): FusedGroup[] {
  const { values } = plan;
  const maxInputs = options.maxInputs ?? MAX_FUSED_INPUTS;
  const keep = new Set([...plan.outputs.values(), ...plan.updates.values()]);
  const readers = values.map(() => new Set<number>());
  for (const v of values) for (const i of v.inputs) readers[i]!.add(v.index);
  const absorbed = new Set<number>();
  const groups: FusedGroup[] = [];

  for (let r = values.length - 1; r >= 0; r--) {
    if (!isPointwise(values[r]!) || absorbed.has(r)) continue;
    const members = new Set([r]);
    const stack = [r];
    while (stack.length > 0) {
      const m = stack.pop()!;
      if (isView(values[m]!)) continue; // a view's input stays outside: its buffer is what the kernel reads
      for (const u of values[m]!.inputs) {
        const cand = values[u]!;
        if (members.has(u) || absorbed.has(u) || keep.has(u) || !(isPointwise(cand) || isView(cand))) continue;
        if (![...readers[u]!].every((c) => members.has(c) && !isView(values[c]!))) continue;
        members.add(u);
        if (externals(values, members).inputs.length > maxInputs) members.delete(u);
        else stack.push(u);
      }
    }
    if (members.size < 2) continue;
    for (const m of members) if (m !== r) absorbed.add(m);
    groups.push({ root: r, members: [...members].sort((a, b) => a - b), ...externals(values, members) });
  }
  return groups.reverse();
}

/** The schedule of `plan` with `groups` fused, and buffer slots planned for it (core's memory planner). */
export function scheduleOf(plan: Plan, groups: readonly FusedGroup[], alignment = 256): Schedule {
  const byRoot = new Map(groups.map((g) => [g.root, g] as const));
  const absorbed = new Set(groups.flatMap((g) => g.members.filter((m) => m !== g.root)));
  const kept = plan.values.filter((v) => !absorbed.has(v.index));
  const newIndex = new Map(kept.map((v, k) => [v.index, k] as const));
  const synthetic: PlanValue[] = kept.map((v, k) => {
    const g = byRoot.get(v.index);
    const inputs = (g ? [...g.inputs.map((x) => x.value), ...g.scalars] : v.inputs).map((i) => newIndex.get(i)!);
    return { ...v, index: k, inputs, slot: -1, lastUse: -1 };
  });
  const keepIdx = [...plan.outputs.values(), ...plan.updates.values()].map((i) => newIndex.get(i)!);
  const memory = planMemory(synthetic, keepIdx, alignment);
  const slot = plan.values.map(() => -1);
  kept.forEach((v, k) => (slot[v.index] = synthetic[k]!.slot));
  return {
    steps: kept.filter((v) => v.kind === 'compute').map((v) => v.index),
    groups: byRoot,
    slot,
    slotBytes: memory.slotBytes,
  };
}
