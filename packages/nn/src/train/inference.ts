/**
 * compileInference: an evaluation graph (the same model in eval mode, another batch size, features instead of
 * logits) compiled once against a training step's state, so it always sees the current weights: no recompile
 * and no copy of the weights per call (CompileSpec.shareStateWith). Public.
 */
import type { Backend, Executable, Feed, HostTensor, Node } from '@dogo/core';
import { TrainStep } from './train_step.js';

/** What compileInference compiles. */
export interface InferenceSpec {
  /** Values to compute, by name. */
  outputs: Readonly<Record<string, Node>>;
  /**
   * The training step (or executables of the same backend, e.g. a CohortTrainer's) whose weights to use: states
   * of the same name are shared. Destroy the inference pass before them.
   */
  shareWith?: TrainStep | Executable | readonly Executable[];
  /** Values of the states not shared (a model with loaded weights and no training step). */
  initialState?: Readonly<Record<string, Feed>>;
}

/** A compiled forward pass; run it as often as needed. */
export class Inference {
  constructor(readonly executable: Executable) {}

  /** Names of the feeds a run needs. */
  get inputNames(): string[] {
    return [...this.executable.plan.inputs.keys()];
  }

  /** Computes every output (or those in `fetch`) for `feeds`. */
  run(feeds: Readonly<Record<string, Feed>>, fetch?: readonly string[]): Promise<Record<string, HostTensor>> {
    return this.executable.run(feeds, fetch ? { fetch } : {});
  }

  /** Frees what this executable made; shared weights stay with the training step. */
  destroy(): void {
    this.executable.destroy();
  }
}

/**
 * Compiles `spec` on `backend` (the backend that compiled `shareWith`):
 * `const predict = await compileInference(backend, { outputs: { logits }, shareWith: step })`.
 */
export async function compileInference(backend: Backend, spec: InferenceSpec): Promise<Inference> {
  const w = spec.shareWith;
  const sources: readonly Executable[] = w === undefined ? [] : Array.isArray(w) ? w : [w instanceof TrainStep ? w.executable : (w as Executable)];
  const executable = await backend.compile({
    outputs: spec.outputs,
    ...(spec.initialState ? { initialState: spec.initialState } : {}),
    ...(sources.length ? { shareStateWith: sources } : {}),
  });
  return new Inference(executable);
}
