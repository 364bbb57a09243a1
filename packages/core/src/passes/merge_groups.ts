/**
 * Horizontal fusion: a fused group moves into a later group of the same iteration shape that reads some of
 * the same storage (batch norm's backward sums, an optimiser's parameter and moment updates), when every
 * step reading the earlier group's roots runs after the later group, the merged group stays within
 * `maxSize` values and the backend's kernel still fits it. Steps keep a topological order. Internal to
 * the lowering.
 */
import { shapesEqual } from '../shape.js';
import type { FusedStep, Step } from './plan.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer E)[] ? E[] : T[K] };

/** Merges fused groups of `steps` in place (steps are in run order, each at the plan position of its last root). */
export function mergeGroups(steps: Step[], maxSize: number, fits: (g: Pick<FusedStep, 'roots' | 'members' | 'shape'>) => boolean): void {
  const pos = (s: Step) => (s.kind === 'kernel' ? s.value : s.roots[s.roots.length - 1]!);
  const at = steps.map(pos);
  const readers = new Map<number, Set<number>>();
  steps.forEach((s, id) => {
    for (const r of s.reads) {
      let set = readers.get(r);
      if (!set) readers.set(r, (set = new Set()));
      set.add(id);
    }
  });
  const alive = new Uint8Array(steps.length).fill(1);
  for (let id = 0; id < steps.length; id++) {
    const g = steps[id]!;
    if (!alive[id] || g.kind !== 'fused') continue;
    // the earliest step that reads one of g's roots bounds how far g may move
    let bound = Infinity;
    for (const r of g.roots) for (const rd of readers.get(r) ?? []) if (alive[rd]) bound = Math.min(bound, at[rd]!);
    let best = -1;
    for (const s of g.reads) {
      for (const cand of readers.get(s) ?? []) {
        const h = steps[cand]!;
        if (cand === id || !alive[cand] || h.kind !== 'fused' || at[cand]! <= at[id]! || at[cand]! >= bound) continue;
        if (!shapesEqual(h.shape, g.shape)) continue;
        if (h.members.length + g.members.length + h.roots.length + g.roots.length > maxSize) continue;
        if (best >= 0 && at[cand]! >= at[best]!) continue;
        const merged = { roots: [...h.roots, ...g.roots], members: union(h.members, g.members), shape: h.shape };
        if (fits(merged)) best = cand;
      }
    }
    if (best < 0) continue;
    const h = steps[best] as Mutable<FusedStep>;
    h.roots = [...h.roots, ...g.roots];
    h.members = union(h.members, g.members);
    h.reads = [...new Set([...h.reads, ...g.reads])];
    for (const s of g.reads) {
      readers.get(s)!.delete(id);
      readers.get(s)!.add(best);
    }
    alive[id] = 0;
  }
  let w = 0;
  for (let id = 0; id < steps.length; id++) if (alive[id]) steps[w++] = steps[id]!;
  steps.length = w;
}

function union(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}
