/**
 * The Backend interface: one for every backend (reference, wasm, webgpu). A backend compiles a Plan once into
 * an Executable; each run feeds the named inputs, executes the plan, applies the state updates in place and
 * returns the requested fetches. Ordering: runs of one executable execute in call order; a run's state
 * updates are visible to the next run and to readState once its promise resolves.
 *
 * Several executables of one backend instance may hold the same state (shareStateWith): a training step split
 * into executables (a chunked step's forward, forward-backward and update) reads and updates one set of
 * parameters. Callers run such executables one after another, awaiting each run.
 */
import type { DType, TypedData } from '../dtype.js';
import type { Shape } from '../shape.js';
import type { Plan, PlanOptions, PlanSpec } from '../passes/plan.js';
import type { StepProfile } from './profile.js';

/** A tensor on the host. float32 data may be Float32Array or (reference backend) Float64Array. */
export interface HostTensor {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly data: TypedData;
}

export type Feed = HostTensor | TypedData;

export interface CompileSpec extends PlanSpec {
  /** Initial values of state leaves by name; a state not named starts at zeros. */
  initialState?: Readonly<Record<string, Feed>>;
  planOptions?: PlanOptions;
  /** The plan this backend's plan() made for this spec, so compile does not plan it again. */
  plan?: Plan;
  /**
   * Executables of this backend instance (same wasm runtime, same GPU device) whose state leaves this one uses
   * for states of the same name, instead of allocating its own: reads see their values, updates write into
   * them. Those states must not be in initialState; the owners must outlive this executable.
   */
  shareStateWith?: readonly Executable[];
}

/** The memory a backend can still give new executables. */
export interface MemoryBudget {
  /** Bytes for intermediates and leaves of new executables (Infinity where the backend sets no limit). */
  readonly bytes: number;
  /** Largest single buffer: a plan slot or a leaf (Infinity where there is no such limit). */
  readonly maxBufferBytes: number;
  /** Where the numbers come from, for messages ("4 GiB of wasm32 memory less 1.2 GiB held"). */
  readonly source: string;
}

export interface RunOptions {
  /** Which outputs to read back (default: all). Fewer fetches mean fewer device-to-host copies. */
  fetch?: readonly string[];
}

export interface Executable {
  readonly backend: string;
  readonly plan: Plan;
  run(feeds: Readonly<Record<string, Feed>>, options?: RunOptions): Promise<Record<string, HostTensor>>;
  /** Current value of a state leaf. */
  readState(name: string): Promise<HostTensor>;
  /** Overwrites a state leaf (loading a checkpoint, re-initialising). */
  writeState(name: string, value: Feed): Promise<void>;
  /** Frees every resource; the executable cannot run afterwards. */
  destroy(): void;
  /**
   * Runs one step (state updates apply, as in run) with every plan step timed, where the backend can time
   * them: time per step with its kernel kind and layer (see profile.ts). Slower than run.
   */
  profile?(feeds: Readonly<Record<string, Feed>>): Promise<StepProfile>;
}

export interface Backend {
  readonly name: string;
  /** The plan compile() would run for `spec` under this backend's fusion rules; allocates nothing. */
  plan(spec: PlanSpec & { planOptions?: PlanOptions }): Plan;
  compile(spec: CompileSpec): Promise<Executable>;
  /** What memory is left for new executables (see MemoryBudget). */
  memoryBudget(): MemoryBudget;
}

export function hostTensor(shape: Shape, dtype: DType, data: TypedData): HostTensor {
  return { shape: [...shape], dtype, data };
}
