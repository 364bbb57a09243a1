/**
 * WasmBackend: compiles a core Plan onto a WasmRuntime. compile() lowers the plan (lowering.ts: storage,
 * fusion, order), plans memory for the schedule (memory.ts), allocates one arena region per slot and per leaf
 * (constants and fills written once), and records every kernel's launches once. run() then copies the feeds
 * in, replays the recorded list, copies the fetches out and applies the state updates; in steady state it
 * allocates nothing in wasm memory. The runtime is injected, so Node and browsers bring their own workers.
 * Public; the rest of backend/ is internal.
 */
import {
  BackendError, FeedError, checkFeed, createPlan,
  type Backend, type CompileSpec, type Executable, type Feed, type HostTensor, type Plan, type RunOptions,
} from '@dogo/core';
import { canBlock } from '../runtime/kernel_module.js';
import type { Launch } from '../runtime/launch.js';
import type { WasmRuntime } from '../runtime/wasm_runtime.js';
import { buildProgram, emitFused, FusedProgramTooLargeError, type EmitEnv } from './fusion.js';
import { emitBroadcast, KERNELS } from './kernels.js';
import { lowerPlan, RECOMPUTE_CAP, type Kernel, type Lowered, type LoweringOptions } from './lowering.js';
import { planSlots } from './memory.js';
import { LOWERINGS, type KernelOpName } from './op_table.js';

/** Options of WasmBackend. */
export interface WasmBackendOptions {
  /** Fuse pointwise chains and reductions into programs (default true; false runs one op per launch). */
  fuse?: boolean;
  /** Merge same-shape fused groups that read the same storage (default true). */
  merge?: boolean;
  /** Largest weighted expression a consumer recomputes instead of reading it from memory (default 24). */
  recomputeCap?: number;
}

/** Time spent per kind of kernel in one profiled run, in milliseconds. */
export type StepProfile = Record<string, { ms: number; launches: number }>;

interface Segment { label: string; from: number; to: number }

/** The WebAssembly backend over an injected WasmRuntime (see @dogo/node's createNodeWasmRuntime). */
export class WasmBackend implements Backend {
  readonly name = 'wasm';

  constructor(readonly runtime: WasmRuntime, private readonly options: WasmBackendOptions = {}) {}

  async compile(spec: CompileSpec): Promise<WasmExecutable> {
    const plan = createPlan(spec, spec.planOptions);
    return WasmExecutable.compile(this.runtime, plan, spec.initialState ?? {}, this.options);
  }
}

/** A compiled step on the wasm backend. */
export class WasmExecutable implements Executable {
  readonly backend = 'wasm';
  private destroyed = false;
  private readonly owned: number[] = [];
  private readonly leafAddr = new Map<number, number>();
  private slotAddr: number[] = [];
  private addrOf: (owner: number) => number = () => { throw new BackendError('wasm: executable not built'); };
  private launches: Launch[] = [];
  private segments: Segment[] = [];
  private readonly inputs: { name: string; index: number; at: number }[] = [];
  private readonly updates: { src: number; dst: number; count: number }[] = [];
  private readonly defaultFetch: string[];
  private readonly async: boolean;
  private queue: Promise<unknown> = Promise.resolve();
  /** Bytes of the slots holding computed values. */
  slotBytes = 0;
  /** Kernels of the schedule (fused groups and other ops). */
  kernelCount = 0;

  private constructor(readonly runtime: WasmRuntime, readonly plan: Plan, private readonly lowered: Lowered) {
    this.defaultFetch = [...plan.outputs.keys()];
    this.async = runtime.threads > 1 && !canBlock();
  }

  static compile(rt: WasmRuntime, plan: Plan, initial: Readonly<Record<string, Feed>>, options: WasmBackendOptions): WasmExecutable {
    const lowered = lowerChecked(plan, options);
    const exe = new WasmExecutable(rt, plan, lowered);
    try {
      exe.build(initial);
    } catch (e) {
      exe.destroy();
      throw e;
    }
    return exe;
  }

  /** Arena bytes for the executable; 64 bytes of padding, since kernels may read a few vectors past the end. */
  private alloc(bytes: number): number {
    const at = this.runtime.alloc(bytes + 64);
    this.owned.push(at);
    return at;
  }

  private build(initial: Readonly<Record<string, Feed>>): void {
    const { plan, runtime: rt, lowered } = this;
    const { values } = plan;
    for (const name of Object.keys(initial)) {
      if (!plan.states.has(name)) throw new FeedError(`initial state "${name}" names no state this step reads or updates`);
    }
    // leaves: one region each; constants and fills written now, states from initialState or zeros
    for (const v of values) {
      if (LOWERINGS[v.op].kind !== 'leaf') continue;
      const at = this.alloc(v.size * 4);
      this.leafAddr.set(v.index, at);
      const w = at / 4;
      const mem = v.dtype === 'int32' ? rt.memoryI32() : rt.memoryF32();
      if (v.op === 'constant') mem.set(v.attrs['data'] as Float32Array | Int32Array, w);
      else if (v.op === 'fill') mem.fill(v.attrs['value'] as number, w, w + v.size);
      else if (v.op === 'state') {
        const init = initial[v.attrs['name'] as string];
        if (init === undefined) mem.fill(0, w, w + v.size);
        else mem.set(checkFeed('initial state', v, init), w);
      } else {
        this.inputs.push({ name: v.attrs['name'] as string, index: v.index, at: w });
      }
    }
    const slots = planSlots(plan, lowered);
    this.slotBytes = slots.totalBytes;
    this.slotAddr = slots.slotBytes.map((b) => this.alloc(b));
    const addr = (owner: number): number => {
      const leaf = this.leafAddr.get(owner);
      if (leaf !== undefined) return leaf;
      const slot = slots.slotOf.get(owner);
      if (slot === undefined) throw new BackendError(`wasm: value #${owner} (${values[owner]!.node}) has no storage`);
      return this.slotAddr[slot]!;
    };
    const env: EmitEnv = { rt, values, storage: lowered.storage, addr, alloc: (b) => this.alloc(b) };
    this.kernelCount = lowered.kernels.length;
    // updates whose value lives in a leaf region are snapshotted at the end of the step (states change only
    // when the updates apply, so another update cannot overwrite them first)
    const snapshots: { src: number; dst: number; count: number }[] = [];
    for (const [name, i] of plan.updates) {
      const dst = this.leafAddr.get(plan.states.get(name)!)!;
      const owner = lowered.storage[i]!;
      let src = addr(owner);
      if (src === dst) continue;
      const count = values[i]!.size;
      if (values[owner]!.kind !== 'compute') {
        const tmp = this.alloc(count * 4);
        snapshots.push({ src, dst: tmp, count });
        src = tmp;
      }
      this.updates.push({ src: src / 4, dst: dst / 4, count });
    }
    this.addrOf = addr;
    for (const k of lowered.kernels) {
      const list = rt.record(() => emitKernel(env, k));
      this.segments.push({ label: labelOf(env, k), from: this.launches.length, to: this.launches.length + list.length });
      for (const l of list) this.launches.push(l);
    }
    this.launches.push(...rt.record(() => {
      for (const s of snapshots) rt.copy4d({ x: s.src, y: s.dst, dims: [1, 1, 1, s.count], xStrides: [0, 0, 0, 1], yStrides: [0, 0, 0, 1] });
    }));
  }

  async run(feeds: Readonly<Record<string, Feed>>, options: RunOptions = {}): Promise<Record<string, HostTensor>> {
    if (!this.async) return this.runNow(feeds, options);
    const next = this.queue.then(() => this.runNowAsync(feeds, options));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private writeFeeds(feeds: Readonly<Record<string, Feed>>): void {
    if (this.destroyed) throw new BackendError('wasm: run() after destroy()');
    for (const k in feeds) {
      if (!this.plan.inputs.has(k)) throw new FeedError(`feed "${k}" names no input of this step; inputs are: ${[...this.plan.inputs.keys()].join(', ') || 'none'}`);
    }
    const { values } = this.plan;
    for (const inp of this.inputs) {
      const v = values[inp.index]!;
      const data = checkFeed('feed', v, feeds[inp.name]);
      (v.dtype === 'int32' ? this.runtime.memoryI32() : this.runtime.memoryF32()).set(data, inp.at);
    }
  }

  private finish(options: RunOptions): Record<string, HostTensor> {
    const out: Record<string, HostTensor> = {};
    const names = options.fetch ?? this.defaultFetch;
    for (const name of names) {
      const i = this.plan.outputs.get(name);
      if (i === undefined) throw new FeedError(`fetch "${name}" names no output; outputs are: ${this.defaultFetch.join(', ')}`);
      out[name] = this.readValue(i);
    }
    // updates apply after every fetch is read, so a fetch of a state sees the value the step started with
    const f = this.runtime.memoryF32();
    for (const u of this.updates) f.copyWithin(u.dst, u.src, u.src + u.count);
    return out;
  }

  private runNow(feeds: Readonly<Record<string, Feed>>, options: RunOptions): Record<string, HostTensor> {
    this.writeFeeds(feeds);
    this.runtime.replay(this.launches);
    return this.finish(options);
  }

  private async runNowAsync(feeds: Readonly<Record<string, Feed>>, options: RunOptions): Promise<Record<string, HostTensor>> {
    this.writeFeeds(feeds);
    await this.runtime.replayAsync(this.launches);
    return this.finish(options);
  }

  private readValue(i: number): HostTensor {
    const v = this.plan.values[i]!;
    const owner = this.lowered.storage[i]!;
    const at = this.addrOf(owner) / 4;
    const mem = v.dtype === 'int32' ? this.runtime.memoryI32() : this.runtime.memoryF32();
    return { shape: v.shape, dtype: v.dtype, data: mem.slice(at, at + v.size) };
  }

  async readState(name: string): Promise<HostTensor> {
    if (this.destroyed) throw new BackendError('wasm: readState() after destroy()');
    await this.queue;
    const idx = this.plan.states.get(name);
    if (idx === undefined) throw new FeedError(`state "${name}" is not part of this step`);
    return this.readValue(idx);
  }

  async writeState(name: string, value: Feed): Promise<void> {
    if (this.destroyed) throw new BackendError('wasm: writeState() after destroy()');
    await this.queue;
    const idx = this.plan.states.get(name);
    if (idx === undefined) throw new FeedError(`state "${name}" is not part of this step`);
    const v = this.plan.values[idx]!;
    const data = checkFeed('state', v, value);
    (v.dtype === 'int32' ? this.runtime.memoryI32() : this.runtime.memoryF32()).set(data, this.leafAddr.get(idx)! / 4);
  }

  /**
   * Runs one step with every launch timed and returns the time per kind of kernel (conv2d, matmul,
   * fused pointwise, fused reduction, copy, ...). Slower than run(); for finding where a step's time goes.
   */
  profile(feeds: Readonly<Record<string, Feed>>): StepProfile {
    this.writeFeeds(feeds);
    const prof: StepProfile = {};
    for (const s of this.segments) {
      const t0 = performance.now();
      this.runtime.replay(this.launches.slice(s.from, s.to));
      const e = (prof[s.label] ??= { ms: 0, launches: 0 });
      e.ms += performance.now() - t0;
      e.launches += s.to - s.from;
    }
    this.finish({ fetch: [] });
    return prof;
  }

  /** Launches one run replays (kernels, host steps). */
  get launchCount(): number { return this.launches.length; }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const at of this.owned) this.runtime.free(at);
    this.owned.length = 0;
    this.launches = [];
  }
}

function emitKernel(env: EmitEnv, k: Kernel): void {
  if (k.kind === 'fused') { emitFused(env, k); return; }
  if (k.kind === 'bn_stats') {
    const [n, c, h, w] = k.shape as [number, number, number, number];
    const x = [...k.reads][0]!;
    env.rt.batchNormStats(env.addr(x), env.addr(k.roots[0]!), env.addr(k.roots[1]!), n, c, h * w);
    return;
  }
  const v = env.values[k.roots[0]!]!;
  if (v.size === 0) return;
  if (v.op === 'broadcast_to') { emitBroadcast(env, v); return; }
  KERNELS[v.op as KernelOpName](env, v);
}

/** Kernel kind for profiles. */
function labelOf(env: EmitEnv, k: Kernel): string {
  if (k.kind === 'bn_stats') return 'batch-norm statistics';
  if (k.kind === 'op') {
    const op = env.values[k.roots[0]!]!.op;
    return ['transpose', 'slice', 'pad', 'concat', 'broadcast_to'].includes(op) ? 'copy' : op;
  }
  const reduces = k.roots.some((r) => LOWERINGS[env.values[r]!.op].kind === 'reduce');
  return reduces ? 'fused reduction' : 'fused pointwise';
}

/** Lowers with fusion, backing off (no merging, a smaller recomputation budget, no fusion) when a program is too large. */
function lowerChecked(plan: Plan, options: WasmBackendOptions): Lowered {
  const attempts: LoweringOptions[] = options.fuse === false
    ? [{ fuse: false }]
    : [{ merge: options.merge, recomputeCap: options.recomputeCap ?? RECOMPUTE_CAP }, { merge: false, recomputeCap: options.recomputeCap ?? RECOMPUTE_CAP },
      { merge: false, recomputeCap: 6 }, { fuse: false }];
  for (const opts of attempts) {
    const lowered = lowerPlan(plan, opts);
    try {
      for (const k of lowered.kernels) if (k.kind === 'fused') buildProgram(k, plan.values, lowered.storage);
      return lowered;
    } catch (e) {
      if (!(e instanceof FusedProgramTooLargeError)) throw e;
    }
  }
  throw new BackendError('wasm: a fused program is too large even without fusion');
}
