/**
 * Recomputation (gradient checkpointing) as a plan pass, applied to the plan's values before lowering: the
 * forward values inside a segment (by default a residual block, a node label scope such as `layer1.0`) that
 * the backward pass reads are computed a second time, from the segment's inputs, just before the first
 * backward step that needs them; the originals then die at the end of the forward pass. What crosses a
 * segment's edge (its output, read by the next block; anything fetched or updated) is kept, so each segment
 * is recomputed from kept values only: activation memory falls from every block's intermediates to the
 * block boundaries plus one block's intermediates, at the cost of about one more forward pass of the blocks.
 *
 * Which value is forward and which backward is read from node labels and marks: forward nodes are built inside
 * a model's label scopes; gradient nodes (`grad`) are marked `gradient` (and carry their forward node's label),
 * or have no label. An unlabelled forward reader of a block value (a custom
 * loss on intermediate features) is treated as backward: its value is recomputed for it, which is correct,
 * only earlier than needed. Numbers do not change: a clone is the same op on the same inputs.
 * Internal; createPlan applies it under PlanOptions.recompute.
 */
import type { PlanValue } from './plan.js';

/** The segment a node label belongs to, or undefined for nodes never recomputed. */
export type SegmentOf = (label: string) => string | undefined;

/** Residual blocks of the ResNet family: the label scope up to `layerN.M` (`student.layer2.1.conv1` -> `student.layer2.1`). */
export const residualBlockSegment: SegmentOf = (label) => /^(?:.*\.)?layer\d+\.\d+(?=\.|$)/.exec(label)?.[0];

/** When the plan recomputes. */
export interface RecomputeOptions {
  /** 'never' (the default), 'always', or 'auto': only when the plan's peakBytes would exceed budgetBytes. */
  readonly mode: 'never' | 'auto' | 'always';
  /** For 'auto': the most bytes the plan's intermediates may take. */
  readonly budgetBytes?: number;
  /** Which values form a recomputed segment (default residualBlockSegment). */
  readonly segmentOf?: SegmentOf;
}

/** What the pass did, as the plan reports it. */
export interface RecomputeReport {
  /** Segments recomputed in backward. */
  readonly segments: number;
  /** Values computed twice (their clones). */
  readonly values: number;
  /** peakBytes of the same plan without recomputation. */
  readonly peakBytesWithout: number;
}

export interface Recomputed {
  /** The new values in run order, indices renumbered; clones share their original's node. */
  readonly values: PlanValue[];
  /** Old index -> new index of the original value. */
  readonly remap: Int32Array;
  readonly segments: number;
  readonly clones: number;
}

/**
 * Inserts, before the first backward reader of each segment's saved values, clones of those values and of
 * what they need inside the segment, and points the backward readers at the clones. `kept`: fetched or
 * updated values (never recomputed). Returns null when no segment has a value to recompute.
 */
export function recomputeSegments(values: readonly PlanValue[], kept: readonly number[], segmentOf: SegmentOf = residualBlockSegment): Recomputed | null {
  const n = values.length;
  // forward: labelled and not made by a gradient rule (gradient nodes carry their forward node's label)
  const labelled = values.map((v) => v.node.label !== undefined && !v.node.gradient);
  const seg = values.map((v) => (v.kind === 'compute' && labelled[v.index] ? segmentOf(v.node.label!) : undefined));
  const readers: number[][] = values.map(() => []);
  for (const v of values) for (const i of new Set(v.inputs)) readers[i]!.push(v.index);
  const keep = new Set(kept);
  const backward = (r: number) => !labelled[r];
  // a segment's edge: read by a forward node outside the segment, or fetched / updated
  const edge = (i: number) => keep.has(i) || readers[i]!.some((r) => labelled[r] && seg[r] !== seg[i]);
  const inner = values.map((v, i) => seg[i] !== undefined && !edge(i));

  const saved = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    if (inner[i] && readers[i]!.some(backward)) (saved.get(seg[i]!) ?? saved.set(seg[i]!, []).get(seg[i]!)!).push(i);
  }
  if (saved.size === 0) return null;

  // per segment: the values to clone (saved ones and the inner values they need) and where the clones go
  const groups: { at: number; members: number[] }[] = [];
  const segmentOfSaved = new Map<number, number>();
  for (const list of saved.values()) {
    const members = new Set<number>();
    const stack = [...list];
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (members.has(i)) continue;
      members.add(i);
      for (const j of values[i]!.inputs) if (inner[j] && seg[j] === seg[i]) stack.push(j);
    }
    const at = Math.min(...list.flatMap((i) => readers[i]!.filter(backward)));
    // a segment built after its own first backward reader (not a forward-then-backward graph) stays as it is
    if ([...members].some((m) => m >= at)) continue;
    const g = groups.push({ at, members: [...members].sort((a, b) => a - b) }) - 1;
    for (const i of list) segmentOfSaved.set(i, g);
  }

  if (groups.length === 0) return null;
  const before = new Map<number, number[]>();
  groups.forEach((g, k) => (before.get(g.at) ?? before.set(g.at, []).get(g.at)!).push(k));
  const remap = new Int32Array(n).fill(-1);
  const cloneAt = groups.map(() => new Map<number, number>());
  const out: PlanValue[] = [];
  let clones = 0;
  for (let j = 0; j < n; j++) {
    for (const k of before.get(j) ?? []) {
      const map = cloneAt[k]!;
      for (const m of groups[k]!.members) {
        const v = values[m]!;
        map.set(m, out.length);
        out.push({ ...v, index: out.length, inputs: v.inputs.map((i) => map.get(i) ?? remap[i]!) });
        clones++;
      }
    }
    const v = values[j]!;
    const inputs = v.inputs.map((i) => {
      const k = backward(j) ? segmentOfSaved.get(i) : undefined;
      return k === undefined ? remap[i]! : cloneAt[k]!.get(i)!;
    });
    remap[j] = out.length;
    out.push({ ...v, index: out.length, inputs });
  }
  return { values: out, remap, segments: groups.length, clones };
}
