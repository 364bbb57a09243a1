/**
 * The memory planner: gives each stored computed value a buffer slot by liveness over the steps. A value's
 * lifetime runs from the step writing it to the last step reading it (fetched and updated values: to the
 * end); two values share a slot only when their lifetimes do not meet, so a step never writes into a slot
 * it reads. Greedy by size (as TFLite's shared-object planner): values largest first, each into the
 * smallest slot free over its whole lifetime, else a new slot of its size; slots never grow.
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

/** The values a step writes. */
export function stepRoots(step: Step): readonly number[] {
  return step.kind === 'kernel' ? [step.value] : step.roots;
}

export function planStepMemory(values: readonly PlanValue[], storage: Int32Array, steps: readonly Step[], kept: readonly number[], alignment: number): MemoryPlan {
  const keep = new Set(kept.map((i) => storage[i]!));
  const written = new Map<number, number>();
  const lastRead = new Map<number, number>();
  steps.forEach((s, at) => {
    for (const r of s.reads) lastRead.set(r, at);
    for (const r of stepRoots(s)) {
      if (storage[r] !== r) throw new Error(`memory planner: step root #${r} (${values[r]!.node}) owns no storage`);
      written.set(r, at);
    }
  });
  const align = (b: number) => Math.max(alignment, Math.ceil(b / alignment) * alignment);
  // each stored value's lifetime in steps, inclusive: from the step writing it to the last step reading it
  const life = [...written].map(([value, from]) => ({
    value, from, to: keep.has(value) ? Infinity : Math.max(from, lastRead.get(value) ?? from),
    bytes: align(values[value]!.size * bytesPerElement(values[value]!.dtype)),
  }));
  life.sort((a, b) => b.bytes - a.bytes || a.from - b.from);
  const slot = new Int32Array(values.length).fill(-1);
  const slotBytes: number[] = [];
  /** Per slot, the lifetimes it holds, sorted by start and disjoint. */
  const held: { from: number; to: number }[][] = [];
  const place = (list: { from: number; to: number }[], l: { from: number; to: number }): number => {
    let lo = 0, hi = list.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (list[mid]!.from < l.from) lo = mid + 1; else hi = mid; }
    const prev = list[lo - 1], next = list[lo];
    return (prev && prev.to >= l.from) || (next && next.from <= l.to) ? -1 : lo;
  };
  let unplanned = 0;
  for (const l of life) {
    unplanned += l.bytes;
    let best = -1, at = -1;
    // sizes come largest first, so every slot already fits: the smallest one free over this lifetime
    for (let s = 0; s < held.length; s++) {
      if (best >= 0 && slotBytes[s]! >= slotBytes[best]!) continue;
      const k = place(held[s]!, l);
      if (k >= 0) { best = s; at = k; }
    }
    if (best < 0) { best = held.length; at = 0; held.push([]); slotBytes.push(l.bytes); }
    held[best]!.splice(at, 0, { from: l.from, to: l.to });
    slot[l.value] = best;
  }
  return { slot, slotBytes, peakBytes: slotBytes.reduce((a, b) => a + b, 0), unplannedBytes: unplanned };
}
