/**
 * The memory planner: gives each stored computed value a buffer slot by liveness over the steps. A slot is
 * free again after the last step reading its value has run; a step never writes into a slot it reads (its
 * roots take their slots before its inputs' slots are handed back); fetched and updated values keep theirs
 * to the end. Best fit among free slots, growing the largest free one before opening a new slot.
 */
import { bytesPerElement } from '../dtype.js';
import type { PlanValue, Step } from './plan.js';

export interface MemoryPlan {
  /** Slot of each stored computed value, -1 elsewhere. */
  slot: Int32Array;
  slotBytes: number[];
  peakBytes: number;
  unplannedBytes: number;
}

/**
 * Takes a slot for `need` bytes: the smallest free slot that fits, else the largest free slot grown to fit,
 * else a new slot. Updates `free` and `slotBytes`.
 */
export function takeSlot(free: Set<number>, slotBytes: number[], need: number): number {
  let best = -1;
  for (const s of free) if (slotBytes[s]! >= need && (best < 0 || slotBytes[s]! < slotBytes[best]!)) best = s;
  if (best < 0) for (const s of free) if (best < 0 || slotBytes[s]! > slotBytes[best]!) best = s;
  if (best < 0) {
    slotBytes.push(need);
    return slotBytes.length - 1;
  }
  free.delete(best);
  slotBytes[best] = Math.max(slotBytes[best]!, need);
  return best;
}

/** The values a step writes. */
export function stepRoots(step: Step): readonly number[] {
  return step.kind === 'kernel' ? [step.value] : step.roots;
}

export function planStepMemory(values: readonly PlanValue[], storage: Int32Array, steps: readonly Step[], kept: readonly number[], alignment: number): MemoryPlan {
  const keep = new Set(kept.map((i) => storage[i]!));
  const lastRead = new Map<number, number>();
  steps.forEach((s, at) => { for (const r of s.reads) lastRead.set(r, at); });
  const dying: number[][] = steps.map(() => []);
  for (const [owner, at] of lastRead) if (values[owner]!.kind === 'compute' && !keep.has(owner)) dying[at]!.push(owner);
  const align = (b: number) => Math.max(alignment, Math.ceil(b / alignment) * alignment);
  const slot = new Int32Array(values.length).fill(-1);
  const slotBytes: number[] = [];
  const free = new Set<number>();
  let unplanned = 0;
  steps.forEach((s, at) => {
    const roots = stepRoots(s);
    for (const r of roots) {
      if (storage[r] !== r) throw new Error(`memory planner: step root #${r} (${values[r]!.node}) owns no storage`);
      const need = align(values[r]!.size * bytesPerElement(values[r]!.dtype));
      unplanned += need;
      slot[r] = takeSlot(free, slotBytes, need);
    }
    for (const owner of dying[at]!) free.add(slot[owner]!);
    // written and never read: free at once
    for (const r of roots) if (!lastRead.has(r) && !keep.has(r)) free.add(slot[r]!);
  });
  return { slot, slotBytes, peakBytes: slotBytes.reduce((a, b) => a + b, 0), unplannedBytes: unplanned };
}
