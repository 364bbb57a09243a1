/**
 * The Backend interface: one for every backend (reference, wasm, webgpu). A backend compiles a Plan once into
 * an Executable; each run feeds the named inputs, executes the plan, applies the state updates in place and
 * returns the requested fetches. Ordering: runs of one executable execute in call order; a run's state
 * updates are visible to the next run and to readState once its promise resolves.
 */
import type { DType, TypedData } from '../dtype.js';
import type { Shape } from '../shape.js';
import type { Plan, PlanOptions, PlanSpec } from '../passes/plan.js';

/** A tensor on the host. float32 data may be Float32Array or (reference backend) Float64Array. */
export interface HostTensor {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly data: TypedData;
}

/** A value fed to an input or written to a state: a host tensor, or bare data (checked against the leaf's shape). */
export type Feed = HostTensor | TypedData;

/** What a backend compiles: the plan's outputs and state updates, initial state, and state shared with another executable. */
export interface CompileSpec extends PlanSpec {
  /** Initial values of state leaves by name; a state not named starts at zeros. */
  initialState?: Readonly<Record<string, Feed>>;
  /** Options of the core's planner (common-subexpression elimination, slot alignment). */
  planOptions?: PlanOptions;
  /**
   * An executable of the same backend whose state this one shares: every state leaf of this step that it also
   * has (same name) is bound to its storage, so no weights are copied and each executable sees the other's
   * updates and writeState at once. Shapes and dtypes must agree (BackendError naming the leaf); a shared state
   * may not be in `initialState` (write it through either executable). Runs of executables that share state
   * execute in call order. The shared storage lives until every executable using it is destroyed.
   */
  shareStateWith?: Executable;
}

/** Options of one run. */
export interface RunOptions {
  /** Which outputs to read back (default: all). Fewer fetches mean fewer device-to-host copies. */
  fetch?: readonly string[];
}

/** A compiled step: fixed storage and launches, run once per step with new feeds. */
export interface Executable {
  /** Name of the backend that compiled it (`reference`, `wasm`, `webgpu`). */
  readonly backend: string;
  /** The plan it runs (values, leaves, steps, memory). */
  readonly plan: Plan;
  /** Runs one step: writes the feeds, runs the plan, reads the fetches, then applies the state updates. */
  run(feeds: Readonly<Record<string, Feed>>, options?: RunOptions): Promise<Record<string, HostTensor>>;
  /** Current value of a state leaf. */
  readState(name: string): Promise<HostTensor>;
  /** Overwrites a state leaf (loading a checkpoint, re-initialising). */
  writeState(name: string, value: Feed): Promise<void>;
  /** Frees every resource; the executable cannot run afterwards. */
  destroy(): void;
}

/** A backend: compiles a step once into an Executable. */
export interface Backend {
  /** `reference`, `wasm` or `webgpu`. */
  readonly name: string;
  /** Plans `spec` under this backend's fusion rules and builds its storage and launches. */
  compile(spec: CompileSpec): Promise<Executable>;
}

/** A host tensor from its parts (the shape is copied). */
export function hostTensor(shape: Shape, dtype: DType, data: TypedData): HostTensor {
  return { shape: [...shape], dtype, data };
}
