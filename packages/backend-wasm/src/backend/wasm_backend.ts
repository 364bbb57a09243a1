/**
 * WasmBackend: compiles a core Plan onto a WasmRuntime. The plan (made by the core under WASM_FUSION_RULES)
 * already says what is stored, which values each fused group recomputes, the order of the steps and the
 * slot of every stored value; compile() allocates one arena region per slot and per leaf (constants and
 * fills written once) and records every step's launches once: a fused program for a fused step
 * (emit_fused.ts), a kernel row for a kernel step (kernels.ts). run() then copies the feeds in, replays the
 * recorded list, copies the fetches out and applies the state updates; in steady state it allocates nothing
 * in wasm memory. The runtime is injected, so Node and browsers bring their own workers. Before recording,
 * every convolution step gets its algorithm (conv_choices.ts: a fixed rule when tuning is off, else timed
 * candidates through a TuningCache); `exe.convChoices` says what each one runs.
 * Public; the rest of backend/ is internal.
 */
import {
  BackendError, FeedError, MemoryTuningCache, attrsOf, checkFeed, createPlan, opKind, sharedStateOwner,
  type Backend, type CompileSpec, type Executable, type Feed, type FusionRules, type HostTensor, type KernelOpName, type MemoryBudget, type Plan,
  type PlanOptions, type PlanSpec, type ProfiledStep, type RunOptions, type Step, type StepProfile, type TuneMode, type TuningCache,
} from '@dogo/core';
import type { Conv2dAlgorithm } from '../runtime/conv2d.js';
import { canBlock } from '../runtime/kernel_module.js';
import type { Launch } from '../runtime/launch.js';
import type { WasmRuntime } from '../runtime/wasm_runtime.js';
import type { EmitEnv } from './emit_env.js';
import { emitFused } from './emit_fused.js';
import { fusedProgramFits } from './fused_program.js';
import { KERNELS } from './kernels.js';
import { algorithmMap, chooseConvAlgorithms, type ConvStepChoice } from './conv_choices.js';
import type { ConvTuningOptions } from '../tuning/conv_tuner.js';

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
  /**
   * How convolution algorithms are chosen at compile: 'off' (default) a fixed rule of the shape, so results
   * never depend on timing; 'quick' / 'full' time im2col and each Winograd transform per shape on this
   * runtime and keep the fastest, through `tuningCache` (a choice found there is used as is).
   */
  tune?: TuneMode;
  /** Where tuned choices are kept (default: in memory, per backend); @dogo/node and @dogo/browser persist them. */
  tuningCache?: TuningCache;
  /** This machine in tuning cache keys (default 'unknown'; the adapters describe the CPU and engine). */
  machine?: string;
  /** Run every convolution this algorithm applies to with it (tests, benchmarks); overrides tune. */
  convAlgorithm?: Conv2dAlgorithm;
  /** Milliseconds one timed run takes (tests inject a clock; default performance.now around the run). */
  measure?: ConvTuningOptions['measure'];
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

interface Segment { kind: string; layer: string; variant?: string; from: number; to: number }

/** wasm32 addresses 4 GiB. */
const WASM32_BYTES = 2 ** 32;
/** Kept back from the budget for what compiling allocates besides the plan (kernel scratch, per-region padding). */
export const WASM_RESERVE_BYTES = 64 * 2 ** 20;

/** The WebAssembly backend over an injected WasmRuntime (see @dogo/node's createNodeWasmRuntime). */
export class WasmBackend implements Backend {
  readonly name = 'wasm';

  private readonly tuning: ConvTuningOptions;

  constructor(readonly runtime: WasmRuntime, private readonly options: WasmBackendOptions = {}) {
    this.tuning = {
      mode: options.tune ?? 'off', cache: options.tuningCache ?? new MemoryTuningCache(), machine: options.machine ?? 'unknown',
      ...(options.convAlgorithm === undefined ? {} : { force: options.convAlgorithm }),
      ...(options.measure === undefined ? {} : { measure: options.measure }),
    };
  }

  plan(spec: PlanSpec & { planOptions?: PlanOptions }): Plan {
    return createPlan(spec, { alignment: SLOT_ALIGNMENT, ...spec.planOptions, fusion: fusionRules(this.options) });
  }

  async compile(spec: CompileSpec): Promise<WasmExecutable> {
    const plan = spec.plan ?? this.plan(spec);
    const choices = await chooseConvAlgorithms(this.runtime, plan, this.tuning);
    return WasmExecutable.compile(this.runtime, plan, spec, choices);
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
  private constructor(readonly runtime: WasmRuntime, readonly plan: Plan,
    /** The algorithm of every convolution step and where it came from (rule, forced, cache, timed). */
    readonly convChoices: readonly ConvStepChoice[]) {
    this.defaultFetch = [...plan.outputs.keys()];
    this.async = runtime.threads > 1 && !canBlock();
  }

  static compile(rt: WasmRuntime, plan: Plan, spec: CompileSpec, convChoices: readonly ConvStepChoice[] = []): WasmExecutable {
    const exe = new WasmExecutable(rt, plan, convChoices);
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
    const algorithms = algorithmMap(this.convChoices);
    const env: EmitEnv = { rt, plan, addr, alloc: (b) => this.alloc(b), convAlgorithm: (i) => algorithms.get(i) ?? 'im2col' };
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
      const variant = step.kind === 'kernel' ? algorithms.get(step.value) : undefined;
      this.segments.push({ kind: kindOf(plan, step), layer: layerOf(plan, step), ...(variant ? { variant } : {}), from: this.launches.length, to: this.launches.length + list.length });
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
   * Runs one step (state updates apply) with every plan step timed on the host clock: its kernel kind
   * (conv2d, matmul, fused pointwise, fused reduction, copy, ...), its layer (the node's label) and, for
   * convolutions, the algorithm. Slower than run(); for finding where a step's time goes.
   */
  async profile(feeds: Readonly<Record<string, Feed>>): Promise<StepProfile> {
    await this.queue;
    this.writeFeeds(feeds);
    const steps: ProfiledStep[] = [];
    let totalMs = 0;
    for (const s of this.segments) {
      const list = this.launches.slice(s.from, s.to);
      const t0 = performance.now();
      if (this.async) await this.runtime.replayAsync(list);
      else this.runtime.replay(list);
      const ms = performance.now() - t0;
      totalMs += ms;
      steps.push({ kind: s.kind, layer: s.layer, ms, launches: s.to - s.from, ...(s.variant ? { variant: s.variant } : {}) });
    }
    this.runtime.replay(this.launches.slice(this.segments.at(-1)?.to ?? 0));
    this.finish({ fetch: [] });
    return { backend: 'wasm', timing: 'wall', totalMs, steps };
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

/** The layer of a step for profiles: the label of its value's node (a fused step's first labelled root). */
function layerOf(plan: Plan, step: Step): string {
  const values = step.kind === 'kernel' ? [step.value] : step.roots;
  for (const i of values) {
    const label = plan.values[i]!.node.label;
    if (label !== undefined) return label;
  }
  return '(unlabelled)';
}

/** Kernel kind for profiles. */
function kindOf(plan: Plan, step: Step): string {
  if (step.kind === 'kernel') {
    const op = plan.values[step.value]!.op;
    return ['transpose', 'slice', 'pad', 'concat', 'broadcast_to'].includes(op) ? 'copy' : op;
  }
  const reduces = step.roots.some((r) => opKind(plan.values[r]!.op) === 'reduce');
  return reduces ? 'fused reduction' : 'fused pointwise';
}
