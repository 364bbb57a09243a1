/** What a compiled plan takes in memory, from the plan alone: its intermediates (the memory plan) and its leaves. */
import { bytesPerElement } from '../dtype.js';
import type { Plan } from './plan.js';

export interface PlanBytes {
  /** The memory plan's slots (plan.peakBytes). */
  readonly intermediates: number;
  /** Inputs, constants and the states the executable owns. */
  readonly leaves: number;
  /** Largest single buffer: a slot or a leaf. */
  readonly largest: number;
  readonly total: number;
}

/** Bytes of `plan` compiled on its own, less the states named in `shared` (held by another executable). */
export function planBytes(plan: Plan, shared: ReadonlySet<string> = new Set()): PlanBytes {
  let leaves = 0;
  let largest = Math.max(0, ...plan.slotBytes);
  for (const v of plan.values) {
    if (v.kind === 'compute' || (v.kind === 'state' && shared.has(v.name!))) continue;
    const b = v.size * bytesPerElement(v.dtype);
    leaves += b;
    largest = Math.max(largest, b);
  }
  return { intermediates: plan.peakBytes, leaves, largest, total: plan.peakBytes + leaves };
}
