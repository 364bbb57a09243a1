/**
 * The memory planner: assigns each computed value a buffer slot by liveness. A slot is free again after the
 * last reader of its value has run; a value never shares a slot with its own inputs (kernels are not assumed
 * to work in place). Best fit among free slots, growing the largest free one before opening a new slot.
 */
import { bytesPerElement } from '../dtype.js';
import type { PlanValue } from './plan.js';

export interface MemoryPlan {
  slotBytes: number[];
  peakBytes: number;
  unplannedBytes: number;
}

/**
 * Takes a slot for `need` bytes: the smallest free slot that fits, else the largest free slot grown to fit,
 * else a new slot. Updates `free` and `slotBytes`; shared by backends that re-plan after fusing.
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

export function planMemory(values: PlanValue[], keep: readonly number[], alignment: number): MemoryPlan {
  for (const v of values) {
    v.lastUse = -1;
    for (const i of v.inputs) values[i]!.lastUse = Math.max(values[i]!.lastUse, v.index);
  }
  for (const i of keep) values[i]!.lastUse = Infinity;

  const slotBytes: number[] = [];
  const free = new Set<number>();
  let unplanned = 0;
  const align = (b: number) => Math.max(alignment, Math.ceil(b / alignment) * alignment);
  for (const v of values) {
    if (v.kind !== 'compute') continue;
    const need = align(v.size * bytesPerElement(v.dtype));
    unplanned += need;
    v.slot = takeSlot(free, slotBytes, need);
    // Inputs whose last reader is v give their slots back once v has run.
    for (const i of new Set(v.inputs)) {
      const u = values[i]!;
      if (u.kind === 'compute' && u.lastUse === v.index) free.add(u.slot);
    }
    // A value nobody reads (and nobody keeps) frees its slot at once.
    if (v.lastUse < 0) free.add(v.slot);
  }
  return { slotBytes, peakBytes: slotBytes.reduce((a, b) => a + b, 0), unplannedBytes: unplanned };
}
