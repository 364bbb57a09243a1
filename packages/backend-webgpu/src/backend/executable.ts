/**
 * A compiled plan on one GPUDevice: fixed buffers, prepared dispatches and copies, replayed by run().
 * Each run writes the feeds, records every dispatch into one command encoder, copies the requested
 * fetches to their staging buffers, then the state updates into the state buffers (so a fetched state
 * shows the value the step started with), submits once and maps only the requested fetches. A
 * steady-state run creates no buffers, pipelines or bind groups. Runs, readState and writeState execute
 * in call order. profile() times every command of a step (timestamp queries, else one submit per command).
 * Internal to the backend: created by WebGpuBackend.compile.
 */
import {
  BackendError, FeedError, checkFeed, checkFeedNames, type Executable, type Feed, type HostTensor, type Plan, type RunOptions, type StepProfile, type TypedData,
} from '@dogo/core';
import type { CopyCommand, KernelRunner, PreparedDispatch } from '../kernel_runner.js';
import { GpuTimer } from '../tuning/gpu_timer.js';
import type { KernelStepChoice } from '../tuning/kernel_tuner.js';

const MAP_MODE_READ = 0x1;

/** Where a fetch is copied and read back. */
export interface FetchTarget {
  readonly value: number;
  readonly copy: CopyCommand | null;
  readonly staging: GPUBuffer;
}

/** What a command of the step is, for profiles: kernel kind, layer (the node's label) and kernel variant. */
export interface StepInfo {
  readonly kind: string;
  readonly layer: string;
  readonly variant: string;
}

/** Everything compile_plan.ts hands the executable. */
export interface ExecutableParts {
  readonly plan: Plan;
  readonly runner: KernelRunner;
  readonly steps: readonly (PreparedDispatch | CopyCommand)[];
  /** Labels of `steps` (kernel labels, `copy`), for profiles and tests. */
  readonly stepLabels: readonly string[];
  /** What each of `steps` is (same length as `steps`). */
  readonly stepInfo: readonly StepInfo[];
  /** The variant of every tunable step and where it came from. */
  readonly kernelChoices: readonly KernelStepChoice[];
  /** Buffer of each leaf value (input, state, constant) by value index. */
  readonly leafBuffers: ReadonlyMap<number, GPUBuffer>;
  readonly fetches: ReadonlyMap<string, FetchTarget>;
  /** State update copies, after the fetch copies. */
  readonly updates: readonly CopyCommand[];
  /** Every buffer to free in destroy(). */
  readonly owned: readonly GPUBuffer[];
}

function toDevice(data: TypedData): Float32Array | Int32Array {
  return data instanceof Float64Array ? Float32Array.from(data) : data;
}

export class WebGpuExecutable implements Executable {
  readonly backend = 'webgpu';
  readonly plan: Plan;
  /** Kernel launches and copies of one step, in order (fetch and update copies not included). */
  readonly stepLabels: readonly string[];
  /** The tiling, split-K and stride-phase choice of every GEMM-shaped step (rule, cache or timed). */
  readonly kernelChoices: readonly KernelStepChoice[];
  private dead = false;
  private tail: Promise<unknown> = Promise.resolve();
  private runs = 0;

  constructor(private readonly parts: ExecutableParts) {
    this.plan = parts.plan;
    this.stepLabels = parts.stepLabels;
    this.kernelChoices = parts.kernelChoices;
  }

  /**
   * Runs one step (feeds written, state updates applied, nothing fetched) with every command timed: GPU
   * timestamps around each dispatch where the device has 'timestamp-query', else each command submitted
   * alone and waited for. The commands run in their order in separate passes.
   */
  profile(feeds: Readonly<Record<string, Feed>>): Promise<StepProfile> {
    return this.serial(async () => {
      this.alive('profile');
      const { plan, runner } = this.parts;
      checkFeedNames(feeds, plan.inputs);
      for (const [name, i] of plan.inputs) {
        const data = toDevice(checkFeed('feed', plan.values[i]!, feeds[name]));
        if (data.length > 0) runner.write(this.parts.leafBuffers.get(i)!, data);
      }
      const timer = new GpuTimer(runner.device);
      const ms = await timer.timeEach(this.parts.steps.map((s) => [s]));
      runner.submit([...this.parts.updates], 'profile updates');
      await runner.device.queue.onSubmittedWorkDone();
      runner.activity.set('idle');
      const steps = this.parts.stepInfo.map((info, k) => ({ ...info, ms: ms[k]!, launches: 1 }));
      return { backend: 'webgpu', timing: timer.method, totalMs: ms.reduce((a, b) => a + b, 0), steps };
    });
  }

  /** Whether destroy() has run. */
  get destroyed(): boolean {
    return this.dead;
  }

  /** The buffer of state `name` (for executables sharing it). */
  stateBuffer(name: string): GPUBuffer {
    this.alive('stateBuffer');
    return this.parts.leafBuffers.get(this.stateValue(name).index)!;
  }

  /** The device this executable runs on. */
  get device(): GPUDevice {
    return this.parts.runner.device;
  }

  /** Bytes of every device buffer this executable owns (slots, leaves, scratch, staging). */
  get bufferBytes(): number {
    return this.parts.owned.reduce((acc, b) => acc + b.size, 0);
  }

  /** Number of compute dispatches one step records. */
  get dispatchCount(): number {
    return this.parts.steps.filter((s) => !('copy' in s)).length;
  }

  run(feeds: Readonly<Record<string, Feed>>, options: RunOptions = {}): Promise<Record<string, HostTensor>> {
    return this.serial(() => this.runNow(feeds, options));
  }

  readState(name: string): Promise<HostTensor> {
    return this.serial(async () => {
      this.alive('readState');
      const v = this.stateValue(name);
      const data = v.size === 0 ? new ArrayBuffer(0) : await this.parts.runner.read(this.parts.leafBuffers.get(v.index)!, v.size * 4);
      return { shape: v.shape, dtype: v.dtype, data: v.dtype === 'int32' ? new Int32Array(data) : new Float32Array(data) };
    });
  }

  writeState(name: string, value: Feed): Promise<void> {
    return this.serial(async () => {
      this.alive('writeState');
      const v = this.stateValue(name);
      const data = toDevice(checkFeed('state', v, value));
      if (v.size > 0) this.parts.runner.write(this.parts.leafBuffers.get(v.index)!, data);
    });
  }

  destroy(): void {
    if (this.dead) return;
    this.dead = true;
    for (const b of this.parts.owned) b.destroy();
    for (const s of this.parts.steps) if (!('copy' in s)) s.uniformBuffer?.destroy();
  }

  private async runNow(feeds: Readonly<Record<string, Feed>>, options: RunOptions): Promise<Record<string, HostTensor>> {
    this.alive('run');
    const { plan, runner } = this.parts;
    checkFeedNames(feeds, plan.inputs);
    const names = [...new Set(options.fetch ?? plan.outputs.keys())];
    const targets = names.map((name) => {
      const t = this.parts.fetches.get(name);
      if (!t) throw new FeedError(`fetch "${name}" names no output; outputs are: ${[...plan.outputs.keys()].join(', ')}`);
      return t;
    });
    const writes = [...plan.inputs].map(([name, i]) => [i, toDevice(checkFeed('feed', plan.values[i]!, feeds[name]))] as const);
    const device = runner.device;
    const commands: (PreparedDispatch | CopyCommand)[] = [...this.parts.steps];
    for (const t of targets) if (t.copy) commands.push(t.copy);
    commands.push(...this.parts.updates);
    device.pushErrorScope('validation');
    let error: GPUError | null;
    try {
      for (const [i, data] of writes) if (data.length > 0) runner.write(this.parts.leafBuffers.get(i)!, data);
      runner.submit(commands, `step ${++this.runs}`);
    } finally {
      error = await device.popErrorScope();
    }
    if (error) throw new BackendError(`webgpu: step ${this.runs} failed validation: ${error.message}`);
    const mapped = targets.filter((t) => t.copy);
    const maps = await Promise.allSettled(mapped.map((t) => t.staging.mapAsync(MAP_MODE_READ)));
    const failure = maps.find((m): m is PromiseRejectedResult => m.status === 'rejected');
    if (failure) {
      maps.forEach((m, k) => m.status === 'fulfilled' && mapped[k]!.staging.unmap());
      runner.activity.throwIfLost();
      throw failure.reason;
    }
    const out: Record<string, HostTensor> = {};
    names.forEach((name, k) => {
      const t = targets[k]!;
      const v = plan.values[t.value]!;
      const bytes = t.copy ? t.staging.getMappedRange(0, v.size * 4).slice(0) : new ArrayBuffer(0);
      out[name] = { shape: v.shape, dtype: v.dtype, data: v.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes) };
    });
    for (const t of mapped) t.staging.unmap();
    runner.activity.set('idle');
    return out;
  }

  private stateValue(name: string) {
    const i = this.plan.states.get(name);
    if (i === undefined) throw new FeedError(`state "${name}" is not part of this step; states are: ${[...this.plan.states.keys()].join(', ') || 'none'}`);
    return this.plan.values[i]!;
  }

  private alive(what: string): void {
    if (this.dead) throw new BackendError(`webgpu: ${what}() after destroy()`);
  }

  /** Runs `f` after every earlier call of this executable has settled. */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const p = this.tail.then(f);
    this.tail = p.catch(() => undefined);
    return p;
  }
}
