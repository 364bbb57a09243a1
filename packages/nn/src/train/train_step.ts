/**
 * compileTrainStep: one compiled training step for any scalar loss, supervised or self-supervised, on any
 * backend. The optimiser appends the gradients, its updates and the forward passes' running statistics; this
 * file draws the initial values of every parameter and buffer from a seed (or takes loaded ones), compiles once,
 * and runs steps with the optimiser's scalar feeds added. Public. No data loading (fit.ts) and no evaluation
 * (inference.ts).
 */
import { DogoError, attrsOf, eliminateDeadNodes, type Backend, type Executable, type Feed, type HostTensor, type Node } from '@dogo/core';
import type { ForwardContext } from '../module/forward_context.js';
import type { Optimizer } from '../optim/optimizer.js';

/** A step's loss became NaN or infinite: lower the learning rate, or check the inputs. */
export class NonFiniteLossError extends DogoError {}

/** What compileTrainStep compiles. */
export interface TrainStepSpec {
  /** The scalar to minimise (one element). */
  loss: Node;
  /** The optimiser (or several, with distinct names and disjoint parameters) over the loss's parameters. */
  optimizer: Optimizer | readonly Optimizer[];
  /** More values to fetch each step, by name (`loss` is always fetched). */
  outputs?: Readonly<Record<string, Node>>;
  /** More state updates (e.g. running statistics of a forward pass whose parameters are frozen). */
  updates?: Readonly<Record<string, Node>>;
  /** Seed of the initial values: leaf `name` is drawn from `new Rng(seed).fork(name)` (default 0), as Module.initialState. */
  seed?: number;
  /** Values that replace drawn ones, by state name (weights loaded with loadStateDict, a checkpoint). */
  initialState?: Readonly<Record<string, Feed>>;
}

/** One step's results. */
export interface TrainStepResult {
  /** 0-based index of the step just run. */
  step: number;
  loss: number;
  /** Every fetched output (including `loss`). */
  outputs: Record<string, HostTensor>;
}

/** A compiled training step; see the module comment. */
export class TrainStep {
  /** Steps run so far (the index of the next one; the schedule's step). */
  stepIndex = 0;

  constructor(
    /** The compiled step; an inference executable may share its state (compileInference). */
    readonly executable: Executable,
    readonly optimizers: readonly Optimizer[],
    /** Names of the trainable parameters, in the optimisers' order. */
    readonly parameterNames: readonly string[],
    /** Names of the running statistics the step updates. */
    readonly bufferNames: readonly string[],
  ) {}

  /** Names of the feeds a run needs from the caller (the graph's inputs less the optimisers' scalars). */
  get inputNames(): string[] {
    const own = new Set(this.optimizers.flatMap((o) => Object.values(o.feedNames)));
    return [...this.executable.plan.inputs.keys()].filter((n) => !own.has(n));
  }

  /** Runs one step on `feeds` (the optimisers' learning rates and step counts are added); throws NonFiniteLossError on a NaN loss. */
  async run(feeds: Readonly<Record<string, Feed>>): Promise<TrainStepResult> {
    const all: Record<string, Feed> = { ...feeds };
    for (const o of this.optimizers) Object.assign(all, o.feeds(this.stepIndex));
    const outputs = await this.executable.run(all);
    const loss = outputs['loss']!.data[0]!;
    const step = this.stepIndex++;
    if (!Number.isFinite(loss)) {
      throw new NonFiniteLossError(`step ${step}: the loss is ${loss}; lower the learning rate (now ${this.optimizers.map((o) => o.learningRate(step)).join(', ')}) or check the inputs for NaN`);
    }
    return { step, loss, outputs };
  }

  /**
   * The parameters and running statistics as float32 by name, less `prefix` (a state dict, for
   * stateDictToSafetensors); optimiser state is left out.
   */
  async stateDict(prefix = ''): Promise<Record<string, Float32Array>> {
    const out: Record<string, Float32Array> = {};
    for (const name of [...this.parameterNames, ...this.bufferNames]) {
      if (!name.startsWith(prefix)) continue;
      const t = await this.executable.readState(name);
      out[name.slice(prefix.length)] = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
    }
    return out;
  }

  /** Writes parameters and running statistics by name (with `prefix` added), e.g. from loadStateDict; unknown names throw. */
  async loadStateDict(values: Readonly<Record<string, Float32Array>>, prefix = ''): Promise<void> {
    for (const [name, v] of Object.entries(values)) await this.executable.writeState(prefix + name, v);
  }

  /** Frees the step's storage; destroy the inference passes compiled on it (compileInference) first. */
  destroy(): void {
    this.executable.destroy();
  }
}

/** Every distinct forward pass the optimisers' parameters came from. */
function contextsOf(optimizers: readonly Optimizer[]): ForwardContext[] {
  const seen = new Map<Map<string, Node>, ForwardContext>();
  for (const o of optimizers) for (const p of o.params) if (!seen.has(p.context.updates)) seen.set(p.context.updates, p.context);
  return [...seen.values()];
}

/**
 * Compiles `spec` on `backend`: `const step = await compileTrainStep(backend, { loss, optimizer: adam(ctx.parameters(), { lr: 1e-3 }) })`,
 * then `await step.run({ x, y })` per batch.
 */
export async function compileTrainStep(backend: Backend, spec: TrainStepSpec): Promise<TrainStep> {
  const optimizers = Array.isArray(spec.optimizer) ? [...(spec.optimizer as readonly Optimizer[])] : [spec.optimizer as Optimizer];
  if (spec.loss.size !== 1) throw new DogoError(`compileTrainStep: the loss ${spec.loss} has ${spec.loss.size} elements; reduce it to one (ops.mean)`);
  const feedNames = optimizers.flatMap((o) => Object.values(o.feedNames));
  if (new Set(feedNames).size !== feedNames.length) throw new DogoError('compileTrainStep: two optimisers have the same name; give each its own `name` option');
  const updates: Record<string, Node> = {};
  for (const o of optimizers) {
    for (const [name, node] of Object.entries(o.minimize(spec.loss).updates)) {
      if (o.params.some((p) => p.name === name) && name in updates) throw new DogoError(`compileTrainStep: parameter "${name}" is in two optimisers`);
      updates[name] = node;
    }
  }
  Object.assign(updates, spec.updates ?? {});
  const contexts = contextsOf(optimizers);
  const initialState: Record<string, Feed> = {};
  for (const ctx of contexts) Object.assign(initialState, ctx.initialValues(spec.seed ?? 0));
  const graphStates = spec.loss.graph.states;
  for (const [name, v] of Object.entries(spec.initialState ?? {})) {
    if (!graphStates.has(name)) throw new DogoError(`compileTrainStep: initialState names "${name}", which is no state of the loss's graph`);
    initialState[name] = v;
  }
  const outputs = { ...spec.outputs, loss: spec.loss };
  // Leaves the step never reads (a buffer of an eval-mode pass) would be refused as initial state: keep those it has.
  const executable = await backend.compile({ outputs, updates, initialState: keepLive(outputs, updates, initialState) });
  const parameterNames = optimizers.flatMap((o) => o.params.map((p) => p.name));
  const bufferNames = contexts.flatMap((c) => c.buffers().map((b) => b.name)).filter((n) => executable.plan.states.has(n));
  return new TrainStep(executable, optimizers, parameterNames, bufferNames);
}

/** The initial values of the states the step reads or updates (the planner drops the others, and would refuse their values). */
function keepLive(outputs: Readonly<Record<string, Node>>, updates: Readonly<Record<string, Node>>, initial: Record<string, Feed>): Record<string, Feed> {
  const live = new Set(Object.keys(updates));
  for (const n of eliminateDeadNodes([...Object.values(outputs), ...Object.values(updates)])) if (n.op === 'state') live.add(attrsOf(n, 'state').name);
  return Object.fromEntries(Object.entries(initial).filter(([name]) => live.has(name)));
}
