/**
 * The dataflow of one fused group, the same for every backend: the buffers it reads (operands, each a
 * storage owner seen with some shape and broadcast to the group's iteration shape), and its instructions in
 * order (pointwise ops over operands and earlier results, stores of the stored roots, reductions into the
 * reduction roots). Backends translate it into their kernel's program (WGSL terms, WAT opcodes) and nothing
 * more. Public.
 */
import { attrsOf } from '../ops/registry.js';
import { opKind } from '../ops/op_names.js';
import { pointwiseCall, type PointwiseCall } from '../ops/pointwise/pointwise.js';
import { normalizeAxes, type Shape } from '../shape.js';
import type { FusedStep, PlanValue } from './plan.js';

/** The elements of storage owner `owner`, read as `shape` and broadcast (numpy rules) to the iteration shape. */
export interface GroupOperand {
  /** The plan value read: a stored value, a view of one, a leaf, or a recomputed broadcast's source. */
  readonly value: number;
  readonly owner: number;
  readonly shape: Shape;
}

/** An instruction argument: an operand, or the result of an earlier instruction. */
export type GroupArg = { readonly operand: number } | { readonly instr: number };

export type GroupInstr =
  /** value = op(args) with the call's numeric attributes as extra scalar arguments. */
  | { readonly kind: 'pointwise'; readonly value: number; readonly call: PointwiseCall; readonly args: readonly GroupArg[] }
  /** Writes `arg` to root `value`'s storage (the iteration shape). */
  | { readonly kind: 'store'; readonly value: number; readonly arg: GroupArg }
  /** Accumulates `arg` (sum or max) into root `value`'s storage over the iteration axes `axes`. */
  | { readonly kind: 'reduce'; readonly value: number; readonly op: 'sum' | 'max'; readonly arg: GroupArg; readonly axes: readonly number[] };

export interface GroupProgram {
  readonly shape: Shape;
  readonly operands: readonly GroupOperand[];
  readonly instrs: readonly GroupInstr[];
}

/** The program of fused step `step`. */
export function groupProgram(values: readonly PlanValue[], storage: Int32Array, step: Pick<FusedStep, 'roots' | 'members' | 'shape'>): GroupProgram {
  const operands: GroupOperand[] = [];
  const operandAt = new Map<string, number>();
  const operand = (value: number, shape: Shape): GroupArg => {
    const owner = storage[value]!;
    const key = `${owner}|${shape.join(',')}`;
    let k = operandAt.get(key);
    if (k === undefined) {
      k = operands.push({ value, owner, shape }) - 1;
      operandAt.set(key, k);
    }
    return { operand: k };
  };
  const members = new Set(step.members);
  const computed = new Map<number, GroupArg>();
  const arg = (i: number): GroupArg => {
    const known = computed.get(i);
    if (known) return known;
    const u = values[i]!;
    if (members.has(i)) {
      if (opKind(u.op) !== 'broadcast') throw new Error(`fused group: member #${i} (${u.node}) is read before it is computed`);
      // a recomputed broadcast is its source read with zero strides
      const src = values[u.inputs[0]!]!;
      return operand(src.index, src.shape);
    }
    return operand(i, u.shape);
  };
  const instrs: GroupInstr[] = [];
  const roots = new Set(step.roots);
  for (const i of [...new Set([...step.members, ...step.roots])].sort((a, b) => a - b)) {
    const v = values[i]!;
    const kind = opKind(v.op);
    if (kind === 'pointwise') {
      const at = instrs.push({ kind: 'pointwise', value: i, call: pointwiseCall(v), args: v.inputs.map(arg) }) - 1;
      computed.set(i, { instr: at });
      if (roots.has(i)) instrs.push({ kind: 'store', value: i, arg: { instr: at } });
    } else if (kind === 'reduce') {
      const op = v.op === 'sum' ? 'sum' : 'max';
      const x = values[v.inputs[0]!]!;
      instrs.push({ kind: 'reduce', value: i, op, arg: arg(x.index), axes: normalizeAxes(attrsOf(v, op).axes, x.shape.length) });
    } else if (kind !== 'broadcast' || roots.has(i)) {
      throw new Error(`fused group: ${v.node} (${kind}) cannot be part of a fused group`);
    }
  }
  return { shape: step.shape, operands, instrs };
}
