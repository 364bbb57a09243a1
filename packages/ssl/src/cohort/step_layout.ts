/**
 * How a cohort's step is laid out over executables, planned before anything is allocated: one graph for the
 * whole cohort, or the split step (split_graphs.ts) with members in executables of their own, chunked. Each
 * executable's plan comes from its backend (Backend.plan), so the memory it would take (planBytes) is known
 * before compiling; chooseStepLayout picks the first layout that fits every backend's memoryBudget:
 * the one-graph step, then the same with recomputation, then chunked steps from the largest chunk down, then
 * the smallest chunk with recomputation. Executables compile in order; each shares the states of the earlier
 * ones on its backend (parameters, running statistics, gradient accumulators).
 */
import { planBytes, type Backend, type Plan, type PlanSpec, type RecomputeOptions } from '@dogo/core';
import type { CohortConfig } from './cohort_config.js';
import { buildCohortStep } from './cohort_step.js';
import type { ViewBuilder } from './member_forward.js';
import { buildSplitGraphs } from './split_graphs.js';
import { ChunkSizeError, StepMemoryError } from './layout_errors.js';

export { ChunkSizeError, StepMemoryError };


/** Recompute block-internal activations: 'auto' (only when nothing fits without), 'always' or 'never'. */
export type RecomputeChoice = 'auto' | 'always' | 'never';

/** One executable of a layout: a name (`cohort`, `student/backward`), its backend, graph and plan. */
export interface PlannedExecutable {
  readonly name: string;
  /** Index of the member it serves (-1 for the one-graph step). */
  readonly member: number;
  readonly role: 'step' | 'forward' | 'loss' | 'backward' | 'update';
  readonly backend: Backend;
  readonly spec: PlanSpec;
  readonly plan: Plan;
  /** Bytes it takes compiled after the earlier executables of its backend (whose states it shares). */
  readonly bytes: number;
}

export interface StepLayout {
  readonly kind: 'single' | 'split';
  /** Images per chunk (the batch size for the one-graph step). */
  readonly chunk: number;
  readonly recompute: boolean;
  readonly executables: readonly PlannedExecutable[];
  /** Bytes per backend, in the order the members name them. */
  readonly bytesPerBackend: ReadonlyMap<Backend, number>;
}

type Unplanned = Omit<PlannedExecutable, 'plan' | 'bytes'>;

/** Plans `list` in order, each on its backend, and counts its bytes less the states earlier ones hold. */
function planAll(list: readonly Unplanned[], recompute: boolean): { executables: PlannedExecutable[]; bytesPerBackend: Map<Backend, number> } {
  const held = new Map<Backend, Set<string>>();
  const bytesPerBackend = new Map<Backend, number>();
  const planOptions = recompute ? { recompute: { mode: 'always' } satisfies RecomputeOptions } : {};
  const executables = list.map((u) => {
    const plan = u.backend.plan({ ...u.spec, planOptions });
    const shared = held.get(u.backend) ?? held.set(u.backend, new Set()).get(u.backend)!;
    const bytes = planBytes(plan, shared).total;
    for (const s of plan.states.keys()) shared.add(s);
    bytesPerBackend.set(u.backend, (bytesPerBackend.get(u.backend) ?? 0) + bytes);
    return { ...u, plan, bytes };
  });
  return { executables, bytesPerBackend };
}

/** The one-graph step on `backend`. */
export function planSingle(cfg: CohortConfig, backend: Backend, recompute: boolean, views?: ViewBuilder): StepLayout {
  const step = buildCohortStep(cfg, views);
  const r = planAll([{ name: 'cohort', member: -1, role: 'step', backend, spec: { outputs: step.outputs, updates: step.updates } }], recompute);
  return { kind: 'single', chunk: cfg.batchSize, recompute, ...r };
}

/** The split step with chunks of `chunk` images, member i on backends[i]. */
export function planSplit(cfg: CohortConfig, backends: readonly Backend[], chunk: number, recompute: boolean, views: ViewBuilder): StepLayout {
  const graphs = buildSplitGraphs(cfg, chunk, views);
  const list: Unplanned[] = cfg.members.flatMap((m, mi) => (['backward', 'forward', 'loss', 'update'] as const).map((role) => ({
    name: `${m.name}/${role}`, member: mi, role, backend: backends[mi]!, spec: graphs[mi]![role],
  })));
  return { kind: 'split', chunk, recompute, ...planAll(list, recompute) };
}

/** Whether every backend of `layout` has room for it and `reserve` bytes more; else the first shortfall in words. */
export function layoutShortfall(layout: StepLayout, reserve = 0): string | null {
  for (const [backend, bytes] of layout.bytesPerBackend) {
    const budget = backend.memoryBudget();
    const room = budget.bytes - reserve;
    if (bytes > room) return `needs ${gib(bytes)} on ${backend.name}, which allows ${gib(room)} (${budget.source}${reserve > 0 ? `, less ${gib(reserve)} kept free` : ''})`;
    for (const e of layout.executables) {
      if (e.backend !== backend) continue;
      const largest = planBytes(e.plan).largest;
      if (largest > budget.maxBufferBytes) return `${e.name} needs a buffer of ${gib(largest)} on ${backend.name}, which allows ${gib(budget.maxBufferBytes)} per buffer (${budget.source})`;
    }
  }
  return null;
}

export function gib(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : 'no limit';
}

export interface LayoutRequest {
  /** Images per chunk, or 'auto' (default). A number always gives the split step. */
  readonly chunk?: number | 'auto';
  readonly recompute?: RecomputeChoice;
  /** One backend per member: members apart (the split step); default: all on one backend. */
  readonly memberBackends?: readonly Backend[];
  /** Bytes to leave free on every backend (evaluation compiled while training), default 0. */
  readonly reserveBytes?: number;
}

/** Divisors of n from `below` down to 2 (chunks of one image leave batch norm two samples per channel). */
function chunkSizes(n: number, below: number): number[] {
  const out: number[] = [];
  for (let d = Math.floor(Math.min(below, n)); d >= 2; d--) if (n % d === 0) out.push(d);
  return out;
}

/**
 * The layout for `cfg` (see the module comment), with the reason it was chosen. Throws StepMemoryError when
 * nothing fits, ChunkSizeError for a chunk that does not divide the batch.
 */
export function chooseStepLayout(cfg: CohortConfig, backend: Backend, request: LayoutRequest, views: ViewBuilder): { layout: StepLayout; reason: string } {
  const n = cfg.batchSize;
  const rc = request.recompute ?? 'auto';
  const recomputes = rc === 'auto' ? [false, true] : [rc === 'always'];
  const backends = request.memberBackends ?? cfg.members.map(() => backend);
  if (backends.length !== cfg.members.length) throw new RangeError(`cohort: ${backends.length} member backends for ${cfg.members.length} members; give one per member`);
  const chunk = request.chunk ?? 'auto';
  const reserve = request.reserveBytes ?? 0;
  const shortfall = (l: StepLayout) => layoutShortfall(l, reserve);
  if (chunk !== 'auto') {
    if (!Number.isInteger(chunk) || chunk < 1 || n % chunk !== 0) {
      throw new ChunkSizeError(`chunk ${chunk} must divide the batch size ${n}; choose one of ${[...chunkSizes(n, n), 1].join(', ')}`);
    }
    let last: { layout: StepLayout; why: string } | undefined;
    for (const r of recomputes) {
      const layout = planSplit(cfg, backends, chunk, r, views);
      const why = shortfall(layout);
      if (!why) return { layout, reason: `chunks of ${chunk} images as asked${r ? ', with recomputation' : ''}` };
      last = { layout, why };
    }
    throw new StepMemoryError(`the split step with chunks of ${chunk} images ${last!.why}; use a smaller chunk, or chunk 'auto'`);
  }
  const apart = request.memberBackends !== undefined;
  let single: string | undefined;
  if (!apart) {
    for (const r of recomputes) {
      const layout = planSingle(cfg, backend, r, views);
      const why = shortfall(layout);
      if (!why) return { layout, reason: `the one-graph step fits${r ? ' with recomputation' : ''}` };
      single ??= why;
    }
  }
  const lead = apart ? 'members apart' : `the one-graph step ${single}`;
  let sizes = chunkSizes(n, apart ? n : n / 2);
  let last = '';
  while (sizes.length > 0) {
    const c = sizes[0]!;
    const layout = planSplit(cfg, backends, c, rc === 'always', views);
    const why = shortfall(layout);
    if (!why) return { layout, reason: `${lead}: chunked steps of ${c} images (${n / c} chunks)${rc === 'always' ? ' with recomputation' : ''}` };
    last = why;
    const ratio = Math.min(...[...layout.bytesPerBackend].map(([b, bytes]) => (b.memoryBudget().bytes - reserve) / bytes));
    // bytes ~ fixed + per-image * chunk: no chunk above c * ratio fits, so go straight to the largest below it
    const smaller = sizes.filter((d) => d < c);
    const jump = smaller.findIndex((d) => d <= c * ratio);
    sizes = jump > 0 ? smaller.slice(jump) : smaller;
  }
  if (rc === 'auto') {
    const c = chunkSizes(n, n).at(-1) ?? n;
    const layout = planSplit(cfg, backends, c, true, views);
    const why = shortfall(layout);
    if (!why) return { layout, reason: `${lead}: chunked steps of ${c} images with recomputation` };
    last = why;
  }
  throw new StepMemoryError(`the DoGo step does not fit at any chunk size: at the smallest it ${last}; use smaller models or a smaller batch, put members on backends of their own, or use a backend with more memory`);
}
