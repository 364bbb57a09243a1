/**
 * A step layout (step_layout.ts) compiled and run. Executables compile in the layout's order, each sharing the
 * states of the earlier ones on its backend and taking its initial state from the rest. One run takes feeds
 * with one row per image (raw images, crop boxes, colour parameters, or given views), the learning rates and
 * the step count, and returns every member's loss and its parts:
 *
 * - one-graph step: one run;
 * - split step, for every member: its forward executable on each chunk (head outputs into whole-batch arrays),
 *   its loss executable on every member's outputs (d loss / d own outputs), its backward executable on each
 *   chunk seeded with those rows, its update. Members are independent between the exchanges, so members on
 *   different devices run at the same time.
 *
 * Gradient accumulators (`#grad`) are not part of the state it reads and writes: they are zero between steps.
 */
import { DogoError, type Executable, type Feed, type HostTensor, type StepProfile } from '@dogo/core';
import type { CohortConfig } from './cohort_config.js';
import { STEP_FEED, lrFeed } from './cohort_step.js';
import type { PlannedExecutable, StepLayout } from './step_layout.js';
import { memberParams } from './member_forward.js';
import { embeddingFeed, embeddingGradFetch, seedFeed, type HeadOutput } from './split_graphs.js';

export interface CompiledExecutable {
  readonly planned: PlannedExecutable;
  readonly executable: Executable;
}

const isAccumulator = (name: string) => name.endsWith('#grad');

export class CompiledStep {
  /** State name -> the executable holding it. */
  private readonly owner = new Map<string, Executable>();
  /** Names of each member's trainable parameters (the rest of its state is running statistics and optimiser state). */
  readonly params: Readonly<Record<string, readonly string[]>>;

  private constructor(readonly config: CohortConfig, readonly layout: StepLayout, readonly executables: readonly CompiledExecutable[], private readonly split: SplitBuffers | null) {
    for (const e of executables) for (const name of e.executable.plan.states.keys()) if (!this.owner.has(name)) this.owner.set(name, e.executable);
    this.params = Object.fromEntries(config.members.map((m) => [m.name, memberParams(m).map((p) => p.name)]));
  }

  static async compile(config: CohortConfig, layout: StepLayout, initialState: Readonly<Record<string, Feed>>): Promise<CompiledStep> {
    const done: CompiledExecutable[] = [];
    try {
      for (const p of layout.executables) {
        const earlier = done.filter((d) => d.planned.backend === p.backend).map((d) => d.executable);
        const held = new Set(earlier.flatMap((e) => [...e.plan.states.keys()]));
        const init = Object.fromEntries([...p.plan.states.keys()].filter((s) => !held.has(s) && initialState[s] !== undefined).map((s) => [s, initialState[s]!]));
        const executable = await p.backend.compile({ ...p.spec, plan: p.plan, initialState: init, shareStateWith: earlier });
        done.push({ planned: p, executable });
      }
    } catch (e) {
      for (const d of done.reverse()) d.executable.destroy();
      throw e;
    }
    return new CompiledStep(config, layout, done, layout.kind === 'split' ? new SplitBuffers(config, layout, done) : null);
  }

  /** Runs one step; returns `${member}/loss`, `/ssl`, (cohorts of two or more) `/kd`, and `/health` (cohort_step.ts). */
  async run(feeds: Readonly<Record<string, Float32Array>>, lrs: readonly number[], step: number): Promise<Record<string, number>> {
    if (!this.split) {
      const all: Record<string, Float32Array> = { ...feeds, [STEP_FEED]: Float32Array.of(step) };
      lrs.forEach((lr, i) => (all[lrFeed(i)] = Float32Array.of(lr)));
      const exe = this.executables[0]!.executable;
      return scalars(await exe.run(pick(all, exe)));
    }
    return this.split.run(feeds, lrs, step);
  }

  /**
   * Runs one step like run() with every plan step timed by the backend (Executable.profile). One-graph steps
   * only: a split step's time is spread over many runs of several executables.
   */
  async profile(feeds: Readonly<Record<string, Float32Array>>, lrs: readonly number[], step: number): Promise<StepProfile> {
    const exe = this.executables[0]!.executable;
    if (this.split) throw new DogoError(`profile: this step runs chunked (${this.executables.length} executables); profiles cover one-graph steps, so profile a batch that fits in one graph`);
    if (!exe.profile) throw new DogoError(`profile: the ${exe.backend} backend cannot profile a step`);
    const all: Record<string, Float32Array> = { ...feeds, [STEP_FEED]: Float32Array.of(step) };
    lrs.forEach((lr, i) => (all[lrFeed(i)] = Float32Array.of(lr)));
    return exe.profile(pick(all, exe));
  }

  /** Every state the step keeps across steps (parameters, optimiser state, running statistics). */
  stateNames(): string[] {
    return [...this.owner.keys()].filter((n) => !isAccumulator(n));
  }

  readState(name: string): Promise<HostTensor> {
    return this.holder(name).readState(name);
  }

  writeState(name: string, value: Feed): Promise<void> {
    return this.holder(name).writeState(name, value);
  }

  destroy(): void {
    for (const e of [...this.executables].reverse()) e.executable.destroy();
  }

  private holder(name: string): Executable {
    const e = this.owner.get(name);
    if (!e) throw new DogoError(`state "${name}" is not part of this step`);
    return e;
  }
}

/** The feeds an executable takes, picked by name (a split executable takes only some of them). */
function pick(feeds: Readonly<Record<string, Feed>>, exe: Executable): Record<string, Feed> {
  const out: Record<string, Feed> = {};
  for (const name of exe.plan.inputs.keys()) if (feeds[name] !== undefined) out[name] = feeds[name]!;
  return out;
}

function scalars(out: Record<string, HostTensor>): Record<string, number> {
  return Object.fromEntries(Object.entries(out).filter(([k]) => k.includes('/')).map(([k, v]) => [k, v.data[0]!]));
}

/** The split step's executables by member and role, and its host buffers (allocated once). */
class SplitBuffers {
  private readonly members: {
    forward: Executable; loss: Executable; backward: Executable; update: Executable;
    /** Whole-batch head outputs per output and half, [N, D]. */
    emb: Map<HeadOutput, { a: Float32Array; b: Float32Array; d: number }>;
    /** Seed rows of one chunk per output, [2c, D]. */
    seed: Map<HeadOutput, Float32Array>;
  }[];
  private readonly chunk: number;

  constructor(readonly config: CohortConfig, layout: StepLayout, compiled: readonly CompiledExecutable[]) {
    this.chunk = layout.chunk;
    const n = config.batchSize;
    this.members = config.members.map((_, mi) => {
      const get = (role: PlannedExecutable['role']) => compiled.find((c) => c.planned.member === mi && c.planned.role === role)!.executable;
      const forward = get('forward');
      const emb = new Map<HeadOutput, { a: Float32Array; b: Float32Array; d: number }>();
      const seed = new Map<HeadOutput, Float32Array>();
      for (const o of ['proj', 'pred'] as const) {
        const i = forward.plan.outputs.get(o);
        if (i === undefined) continue;
        const d = forward.plan.values[i]!.shape[1]!;
        emb.set(o, { a: new Float32Array(n * d), b: new Float32Array(n * d), d });
        seed.set(o, new Float32Array(2 * this.chunk * d));
      }
      return { forward, loss: get('loss'), backward: get('backward'), update: get('update'), emb, seed };
    });
  }

  /** Chunk `i` of the row-batched feeds an executable takes. */
  private rows(feeds: Readonly<Record<string, Float32Array>>, exe: Executable, i: number): Record<string, Feed> {
    const n = this.config.batchSize;
    const out: Record<string, Feed> = {};
    for (const name of exe.plan.inputs.keys()) {
      const f = feeds[name];
      if (f === undefined) continue;
      const row = f.length / n;
      out[name] = f.subarray(i * this.chunk * row, (i + 1) * this.chunk * row);
    }
    return out;
  }

  async run(feeds: Readonly<Record<string, Float32Array>>, lrs: readonly number[], step: number): Promise<Record<string, number>> {
    const c = this.chunk;
    const chunks = this.config.batchSize / c;
    // 1. every member's head outputs, chunk by chunk, without gradients
    await Promise.all(this.members.map(async (m) => {
      for (let i = 0; i < chunks; i++) {
        const out = await m.forward.run(this.rows(feeds, m.forward, i));
        for (const [o, e] of m.emb) {
          const data = out[o]!.data;
          e.a.set(data.subarray(0, c * e.d), i * c * e.d);
          e.b.set(data.subarray(c * e.d, 2 * c * e.d), i * c * e.d);
        }
      }
    }));
    // 2. each member's loss on the whole batch, the peers' outputs as constants
    const exchange: Record<string, Float32Array> = {};
    this.members.forEach((m, j) => { for (const [o, e] of m.emb) { exchange[embeddingFeed(j, o, 'a')] = e.a; exchange[embeddingFeed(j, o, 'b')] = e.b; } });
    const losses: Record<string, number> = {};
    await Promise.all(this.members.map(async (m) => {
      const out = await m.loss.run(pick(exchange, m.loss));
      Object.assign(losses, scalars(out));
      // 3. forward-backward chunk by chunk, seeded with the chunk's rows of d loss / d outputs; 4. the update
      for (let i = 0; i < chunks; i++) {
        const seeds: Record<string, Feed> = {};
        for (const [o, seed] of m.seed) {
          const d = m.emb.get(o)!.d;
          seed.set(out[embeddingGradFetch(o, 'a')]!.data.subarray(i * c * d, (i + 1) * c * d), 0);
          seed.set(out[embeddingGradFetch(o, 'b')]!.data.subarray(i * c * d, (i + 1) * c * d), c * d);
          seeds[seedFeed(o)] = seed;
        }
        await m.backward.run({ ...this.rows(feeds, m.backward, i), ...seeds });
      }
      const mi = this.members.indexOf(m);
      Object.assign(losses, scalars(await m.update.run(pick({ [lrFeed(mi)]: Float32Array.of(lrs[mi]!), [STEP_FEED]: Float32Array.of(step) }, m.update))));
    }));
    return losses;
  }
}
