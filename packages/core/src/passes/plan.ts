/**
 * The Plan: what a backend compiles, decided once here for every backend. Values in topological order with
 * their inputs as indices and leaves bound to names; which values get storage (views share their input's);
 * the steps to run in order (fused groups of pointwise ops and reductions, and kernels) under the backend's
 * fusion rules; and a buffer slot for every stored computed value by liveness over those steps. Built by
 * createPlan through dead-node elimination, common-subexpression elimination, lowering (lowering.ts) and the
 * memory planner (memory_planner.ts), and, where PlanOptions.recompute asks, recomputation of block-internal
 * activations in backward (recompute.ts) before lowering again. Backends only emit code for each step.
 */
import type { DType } from '../dtype.js';
import type { Node } from '../graph/node.js';
import type { Attrs } from '../ops/op_def.js';
import { attrsOf, type OpName } from '../ops/registry.js';
import type { Shape } from '../shape.js';
import { BackendError } from '../errors.js';
import { eliminateDeadNodes } from './dce.js';
import { eliminateCommonSubexpressions } from './cse.js';
import { lowerValues, type FusionRules } from './lowering.js';
import { planStepMemory } from './memory_planner.js';
import { recomputeSegments, type RecomputeOptions, type RecomputeReport } from './recompute.js';

export type ValueKind = 'input' | 'state' | 'constant' | 'compute';

export interface PlanValue {
  readonly index: number;
  /** The node this value computes (after CSE, the canonical one). */
  readonly node: Node;
  readonly op: OpName;
  readonly inputs: readonly number[];
  readonly attrs: Attrs;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly size: number;
  readonly kind: ValueKind;
  /** Name of an input or state leaf. */
  readonly name?: string;
}

/** A fused group: pointwise values, broadcasts and reductions over one iteration shape, run as one pass. */
export interface FusedStep {
  readonly kind: 'fused';
  /** Values the pass writes: stored pointwise values and reductions (accumulated over the iteration shape). */
  readonly roots: readonly number[];
  /** Pointwise and broadcast values recomputed inside the pass (stored nowhere), in plan order. */
  readonly members: readonly number[];
  /** The iteration shape: the roots' shape, or a reduction's input shape. */
  readonly shape: Shape;
  /** Storage owners the pass reads. */
  readonly reads: readonly number[];
}

/** A value computed by its op's own kernel (or a materialised broadcast's copy). */
export interface KernelStep {
  readonly kind: 'kernel';
  readonly value: number;
  /** Storage owners the kernel reads. */
  readonly reads: readonly number[];
}

export type Step = FusedStep | KernelStep;

export interface Plan {
  readonly values: readonly PlanValue[];
  /** Feed name -> value index. */
  readonly inputs: ReadonlyMap<string, number>;
  /** State name -> value index of the state leaf. */
  readonly states: ReadonlyMap<string, number>;
  /** Fetch name -> value index. */
  readonly outputs: ReadonlyMap<string, number>;
  /** State name -> value index of its value after the step. */
  readonly updates: ReadonlyMap<string, number>;
  /**
   * Value -> the value whose buffer holds its elements: itself (leaves and stored values), a view's source's
   * owner, or -1 for values that live only inside fused groups.
   */
  readonly storage: Int32Array;
  /** What runs, in order. */
  readonly steps: readonly Step[];
  /** Buffer slot of each stored computed value (-1 for leaves, views and values without storage). */
  readonly slot: Int32Array;
  /** Bytes of each slot. */
  readonly slotBytes: readonly number[];
  /** Sum of slot sizes: memory for intermediate values. */
  readonly peakBytes: number;
  /** What the stored intermediates would take with one buffer each (for comparison). */
  readonly unplannedBytes: number;
  /** Present when the plan recomputes segments in backward (PlanOptions.recompute): how many, and the peak without. */
  readonly recompute?: RecomputeReport;
}

export interface PlanSpec {
  outputs: Readonly<Record<string, Node>>;
  updates?: Readonly<Record<string, Node>>;
}

export interface PlanOptions {
  /** Merge identical computations (default true). */
  cse?: boolean;
  /** Slot size alignment in bytes (default 256, WebGPU's storage offset alignment). */
  alignment?: number;
  /** How the backend fuses (default: no fusion, one step per value; backends pass their own). */
  fusion?: FusionRules;
  /** Recompute block-internal activations in backward instead of keeping them (default: never; recompute.ts). */
  recompute?: RecomputeOptions;
}

export function createPlan(spec: PlanSpec, options: PlanOptions = {}): Plan {
  const roots = [...Object.values(spec.outputs), ...Object.values(spec.updates ?? {})];
  if (roots.length === 0) throw new BackendError('createPlan: nothing to compute; name at least one output or state update');
  const graph = roots[0]!.graph;
  for (const [name, n] of Object.entries(spec.updates ?? {})) {
    const s = graph.states.get(name);
    if (!s) throw new BackendError(`createPlan: update "${name}" names no state of the graph`);
    if (s.shape.join() !== n.shape.join() || s.dtype !== n.dtype) throw new BackendError(`createPlan: update for state "${name}" is ${n}, the state is ${s}`);
  }
  // Updated state leaves stay in the plan even when the step never reads them: backends own their buffers.
  const live = eliminateDeadNodes([...roots, ...Object.keys(spec.updates ?? {}).map((k) => graph.states.get(k)!)]);
  const canonical = options.cse === false ? new Map(live.map((n) => [n, n] as const)) : eliminateCommonSubexpressions(live);
  const index = new Map<Node, number>();
  const values: PlanValue[] = [];
  for (const n of live) {
    if (canonical.get(n) !== n) continue;
    const kind: ValueKind = n.op === 'input' ? 'input' : n.op === 'state' ? 'state' : n.op === 'constant' || n.op === 'fill' ? 'constant' : 'compute';
    const name = n.op === 'input' || n.op === 'state' ? attrsOf(n, n.op).name : undefined;
    const v: PlanValue = {
      index: values.length, node: n, op: n.op, inputs: n.inputs.map((x) => index.get(canonical.get(x)!)!), attrs: n.attrs,
      shape: n.shape, dtype: n.dtype, size: n.size, kind, ...(name === undefined ? {} : { name }),
    };
    index.set(n, v.index);
    values.push(v);
  }
  const at = (n: Node) => index.get(canonical.get(n)!)!;
  const outputs = new Map(Object.entries(spec.outputs).map(([k, n]) => [k, at(n)]));
  const updates = new Map(Object.entries(spec.updates ?? {}).map(([k, n]) => [k, at(n)]));
  const inputs = new Map<string, number>();
  const states = new Map<string, number>();
  for (const v of values) {
    if (v.kind === 'input') inputs.set(v.name!, v.index);
    if (v.kind === 'state') states.set(v.name!, v.index);
  }
  const kept = [...outputs.values(), ...updates.values()];
  const fusion = options.fusion ?? { fuse: false };
  const alignment = options.alignment ?? 256;
  const lowered = lowerValues(values, kept, fusion);
  const memory = planStepMemory(values, lowered.storage, lowered.steps, kept, alignment);
  const plain: Plan = { values, inputs, states, outputs, updates, storage: lowered.storage, steps: lowered.steps, ...memory };
  const rc = options.recompute;
  if (!rc || rc.mode === 'never' || (rc.mode === 'auto' && !(memory.peakBytes > (rc.budgetBytes ?? Infinity)))) return plain;
  const r = recomputeSegments(values, kept, rc.segmentOf);
  if (!r) return plain;
  const moved = (m: ReadonlyMap<string, number>) => new Map([...m].map(([k, i]) => [k, r.remap[i]!]));
  const again = { outputs: moved(outputs), updates: moved(updates) };
  const keptAgain = [...again.outputs.values(), ...again.updates.values()];
  const l2 = lowerValues(r.values, keptAgain, fusion);
  const m2 = planStepMemory(r.values, l2.storage, l2.steps, keptAgain, alignment);
  return {
    values: r.values, inputs: moved(inputs), states: moved(states), ...again, storage: l2.storage, steps: l2.steps, ...m2,
    recompute: { segments: r.segments, values: r.clones, peakBytesWithout: memory.peakBytes },
  };
}
