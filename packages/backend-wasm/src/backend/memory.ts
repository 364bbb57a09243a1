/**
 * Memory for the computed values of a schedule: each storage owner gets a slot by liveness over the kernel
 * order (a slot is free again after the last kernel reading its value; a kernel never writes into a slot it
 * reads), best fit among free slots, growing the largest free one before opening a new slot, as core's
 * planner does for the plan order. Slot sizes are rounded to 64 bytes (kernels may read a vector past the
 * end of a tensor). Internal to the backend.
 */
import { bytesPerElement, takeSlot, type Plan } from '@dogo/core';
import type { Lowered } from './lowering.js';

export interface SlotPlan {
  /** Bytes of each slot. */
  slotBytes: number[];
  /** Storage owner value index -> slot. */
  slotOf: Map<number, number>;
  /** Sum of slot sizes. */
  totalBytes: number;
}

const ALIGN = 64;

export function planSlots(plan: Plan, lowered: Lowered): SlotPlan {
  const { values } = plan;
  const { kernels, storage, kept } = lowered;
  const lastRead = new Map<number, number>();
  kernels.forEach((k, at) => { for (const s of k.reads) lastRead.set(s, at); });
  const slotBytes: number[] = [];
  const slotOf = new Map<number, number>();
  const free = new Set<number>();
  const dying: number[][] = kernels.map(() => []);
  for (const [s, at] of lastRead) if (values[s]!.kind === 'compute' && !kept.has(s)) dying[at]!.push(s);
  kernels.forEach((k, at) => {
    for (const r of k.roots) {
      if (storage[r] !== r) throw new Error(`wasm backend: kernel root #${r} owns no storage`);
      const v = values[r]!;
      const need = Math.max(ALIGN, Math.ceil((v.size * bytesPerElement(v.dtype)) / ALIGN) * ALIGN);
      slotOf.set(r, takeSlot(free, slotBytes, need));
    }
    for (const s of dying[at]!) free.add(slotOf.get(s)!);
    // written and never read: free at once
    for (const r of k.roots) if (!lastRead.has(r) && !kept.has(r)) free.add(slotOf.get(r)!);
  });
  return { slotBytes, slotOf, totalBytes: slotBytes.reduce((a, b) => a + b, 0) };
}
