/**
 * The Plan: what a backend compiles. Values in topological order with their inputs as indices, leaves
 * bound to names, and a buffer slot for every computed value. Built by createPlan from the requested
 * outputs and state updates through dead-node elimination, common-subexpression elimination and the
 * memory planner.
 */
import type { DType } from '../dtype.js';
import type { Node } from '../graph/node.js';
import type { Attrs } from '../ops/op_def.js';
import type { OpName } from '../ops/registry.js';
import type { Shape } from '../shape.js';
import { BackendError } from '../errors.js';
import { eliminateDeadNodes } from './dce.js';
import { eliminateCommonSubexpressions } from './cse.js';
import { planMemory } from './memory_planner.js';

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
  /** Buffer slot of a computed value; -1 for leaves. */
  slot: number;
  /** Index of the last value that reads this one; Infinity when it must survive the step (an output). */
  lastUse: number;
}

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
  /** Bytes of each slot. */
  readonly slotBytes: readonly number[];
  /** Sum of slot sizes: device memory for intermediate values. */
  readonly peakBytes: number;
  /** What the intermediates would take with one buffer each (for comparison). */
  readonly unplannedBytes: number;
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
    const v: PlanValue = {
      index: values.length, node: n, op: n.op, inputs: n.inputs.map((x) => index.get(canonical.get(x)!)!), attrs: n.attrs,
      shape: n.shape, dtype: n.dtype, size: n.size, kind, slot: -1, lastUse: -1,
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
    if (v.kind === 'input') inputs.set(v.attrs['name'] as string, v.index);
    if (v.kind === 'state') states.set(v.attrs['name'] as string, v.index);
  }
  const memory = planMemory(values, [...outputs.values(), ...updates.values()], options.alignment ?? 256);
  return { values, inputs, states, outputs, updates, ...memory };
}
