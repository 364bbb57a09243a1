/**
 * WasmBackend: compiles a core Plan onto a WasmRuntime. The plan (made by the core under WASM_FUSION_RULES)
 * already says what is stored, which values each fused group recomputes, the order of the steps and the
 * slot of every stored value; compile() allocates one arena region per slot and per leaf (constants and
 * fills written once) and records every step's launches once: a fused program for a fused step
 * (emit_fused.ts), a kernel row for a kernel step (kernels.ts). run() then copies the feeds in, replays the
 * recorded list, copies the fetches out and applies the state updates; in steady state it allocates nothing
 * in wasm memory. The runtime is injected, so Node and browsers bring their own workers.
 * Public; the rest of backend/ is internal.
 */
import {
  BackendError, FeedError, attrsOf, checkFeed, createPlan, opKind, sharedStateOwner,
  type Backend, type CompileSpec, type Executable, type Feed, type FusionRules, type HostTensor, type KernelOpName, type MemoryBudget, type Plan,
  type PlanOptions, type PlanSpec, type RunOptions, type Step,
} from '@dogo/core';
import { canBlock } from '../runtime/kernel_module.js';
import type { Launch } from '../runtime/launch.js';
import type { WasmRuntime } from '../runtime/wasm_runtime.js';
import type { EmitEnv } from './emit_env.js';
import { emitFused } from './emit_fused.js';
import { fusedProgramFits } from './fused_program.js';
import { KERNELS } from './kernels.js';

/**
 * What the fused kernel can do: groups reduce (sum and max roots) and merge, recompute chains up to the
 * core's default budget, and take whatever fits the interpreter's registers and operand slots.
 */
export const WASM_FUSION_RULES: FusionRules = { fits: fusedProgramFits };

/** Options of WasmBackend. */
export interface WasmBackendOptions {
  /** Fuse pointwise chains and reductions into programs (default true; false runs one op per launch). */
  fuse?: boolean;
  /** Merge same-shape fused groups that read the same storage (default true). */
  merge?: boolean;
  /** Largest weighted expression a consumer recomputes instead of reading it from memory (default 24). */
  recomputeCap?: number;
}

/** The fusion rules for `options`. */
function fusionRules(o: WasmBackendOptions): FusionRules {
  return {
    ...WASM_FUSION_RULES,
    ...(o.fuse === undefined ? {} : { fuse: o.fuse }),
    ...(o.merge === undefined ? {} : { merge: o.merge }),
    ...(o.recomputeCap === undefined ? {} : { recomputeCap: o.recomputeCap }),
  };
}

/** Slot alignment: kernels read whole vectors, so regions are padded to 64 bytes. */
const SLOT_ALIGNMENT = 64;

/** Time spent per kind of kernel in one profiled run, in milliseconds. */
export type StepProfile = Record<string, { ms: number; launches: number }>;

interface Segment { label: string; from: number; to: number }

/** wasm32 addresses 4 GiB. */
const WASM32_BYTES = 2 ** 32;
/** Kept back from the budget for what compiling allocates besides the plan (kernel scratch, per-region padding). */
export const WASM_RESERVE_BYTES = 64 * 2 ** 20;

/** The WebAssembly backend over an injected WasmRuntime (see @dogo/node's createNodeWasmRuntime). */
export class WasmBackend implements Backend {
  readonly name = 'wasm';

  constructor(readonly runtime: WasmRuntime, private readonly options: WasmBackendOptions = {}) {}

  plan(spec: PlanSpec & { planOptions?: PlanOptions }): Plan {
    return createPlan(spec, { alignment: SLOT_ALIGNMENT, ...spec.planOptions, fusion: fusionRules(this.options) });
  }

  async compile(spec: CompileSpec): Promise<WasmExecutable> {
    return WasmExecutable.compile(this.runtime, spec.plan ?? this.plan(spec), spec);
  }

  /** 4 GiB of wasm32 memory, less what this runtime's arena already holds and a reserve for kernel scratch. */
  memoryBudget(): MemoryBudget {
    const held = this.runtime.arena.allocatedBytes;
    const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
    return {
      bytes: Math.max(0, WASM32_BYTES - held - WASM_RESERVE_BYTES), maxBufferBytes: 2 ** 31,
      source: `4 GiB of wasm32 memory less ${gib(held)} this runtime holds and ${gib(WASM_RESERVE_BYTES)} for kernel scratch`,
    };
  }
}

/** A compiled step on the wasm backend. */
export class WasmExecutable implements Executable {
  readonly backend = 'wasm';
  private destroyed = false;
  private readonly owned: number[] = [];
  private readonly leafAddr = new Map<number, number>();
  private slotAddr: number[] = [];
  private addrOf: (i: number) => number = () => { throw new BackendError('wasm: executable not built'); };
  private launches: Launch[] = [];
  private segments: Segment[] = [];
  private readonly inputs: { name: string; index: number; at: number }[] = [];
  private readonly updates: { src: number; dst: number; count: number }[] = [];
  private readonly defaultFetch: string[];
  private readonly async: boolean;
  private queue: Promise<unknown> = Promise.resolve();
  private constructor(readonly runtime: WasmRuntime, readonly plan: Plan) {
    this.defaultFetch = [...plan.outputs.keys()];
    this.async = runtime.threads > 1 && !canBlock();
  }

  static compile(rt: WasmRuntime, plan: Plan, spec: CompileSpec): WasmExecutable {
    const exe = new WasmExecutable(rt, plan);
    try {
      exe.build(spec);
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

  /** Byte address of state `name` (for executables sharing it). */
  stateAddress(name: string): number {
    const i = this.plan.states.get(name);
    if (i === undefined || this.destroyed) throw new BackendError(`wasm: state "${name}" is not held by this executable`);
    return this.leafAddr.get(i)!;
  }

  private build(spec: CompileSpec): void {
    const { plan, runtime: rt } = this;
    const { values, storage, slot } = plan;
    const initial = spec.initialState ?? {};
    for (const name of Object.keys(initial)) {
      if (!plan.states.has(name)) throw new FeedError(`initial state "${name}" names no state this step reads or updates`);
    }
    // leaves: one region each (shared states: the owner's); constants and fills written now, states from initialState or zeros
    for (const v of values) {
      if (opKind(v.op) !== 'leaf') continue;
      const owner = v.op === 'state' ? sharedStateOwner(spec, v, (e): e is WasmExecutable => e instanceof WasmExecutable && e.runtime === rt, 'wasm') : undefined;
      if (owner) { this.leafAddr.set(v.index, owner.stateAddress(v.name!)); continue; }
      const at = this.alloc(v.size * 4);
      this.leafAddr.set(v.index, at);
      const w = at / 4;
      const mem = v.dtype === 'int32' ? rt.memoryI32() : rt.memoryF32();
      if (v.op === 'constant') mem.set(attrsOf(v, 'constant').data, w);
      else if (v.op === 'fill') mem.fill(attrsOf(v, 'fill').value, w, w + v.size);
      else if (v.op === 'state') {
        const init = initial[v.name!];
        if (init === undefined) mem.fill(0, w, w + v.size);
        else mem.set(checkFeed('initial state', v, init), w);
      } else {
        this.inputs.push({ name: v.name!, index: v.index, at: w });
      }
    }
    const slotAddr = plan.slotBytes.map((b) => this.alloc(b));
    const addr = (i: number): number => {
      const owner = storage[i]!;
      const leaf = this.leafAddr.get(owner);
      if (leaf !== undefined) return leaf;
      if (owner < 0 || slot[owner]! < 0) throw new BackendError(`wasm: value #${i} (${values[i]!.node}) has no storage`);
      return slotAddr[slot[owner]!]!;
    };
    const env: EmitEnv = { rt, plan, addr, alloc: (b) => this.alloc(b) };
    // updates whose value lives in a leaf region are snapshotted at the end of the step (states change only
    // when the updates apply, so another update cannot overwrite them first)
    const snapshots: { src: number; dst: number; count: number }[] = [];
    for (const [name, i] of plan.updates) {
      const dst = this.leafAddr.get(plan.states.get(name)!)!;
      let src = addr(i);
      if (src === dst) continue;
      const count = values[i]!.size;
      if (values[storage[i]!]!.kind !== 'compute') {
        const tmp = this.alloc(count * 4);
        snapshots.push({ src, dst: tmp, count });
        src = tmp;
      }
      this.updates.push({ src: src / 4, dst: dst / 4, count });
    }
    this.addrOf = addr;
    for (const step of plan.steps) {
      const list = rt.record(() => emitStep(env, step));
      this.segments.push({ label: labelOf(plan, step), from: this.launches.length, to: this.launches.length + list.length });
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
    const at = this.addrOf(i) / 4;
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

function emitStep(env: EmitEnv, step: Step): void {
  if (step.kind === 'fused') { emitFused(env, step); return; }
  const v = env.plan.values[step.value]!;
  if (v.size === 0) return;
  const kind = opKind(v.op);
  if (kind !== 'kernel' && kind !== 'broadcast') throw new BackendError(`wasm: ${v.node} (${kind}) cannot run as a kernel step`);
  KERNELS[v.op as KernelOpName | 'broadcast_to'](env, v);
}

/** Kernel kind for profiles. */
function labelOf(plan: Plan, step: Step): string {
  if (step.kind === 'kernel') {
    const op = plan.values[step.value]!.op;
    return ['transpose', 'slice', 'pad', 'concat', 'broadcast_to'].includes(op) ? 'copy' : op;
  }
  const reduces = step.roots.some((r) => opKind(plan.values[r]!.op) === 'reduce');
  return reduces ? 'fused reduction' : 'fused pointwise';
}
