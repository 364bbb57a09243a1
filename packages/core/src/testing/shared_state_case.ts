/**
 * The shared-state case every backend runs (CompileSpec.shareStateWith): a training step that updates a weight
 * and an inference step compiled against its state. Public, for the backends' tests; it imports no test
 * framework and asserts nothing: it returns what it observed, and each backend's test checks the values.
 */
import type { Backend, Executable } from '../backend/backend.js';
import { ops } from '../graph/builder.js';
import { Graph } from '../graph/graph.js';

/** What the shared-state case saw (numbers as plain arrays; errors as their class name and message). */
export interface SharedStateObservations {
  /** Inference output before any training step: sum(x·w) + b + own, w = [1, 2, 3], b = 0.5, own = 10. */
  before: number[];
  /** The same after one training step (w += 1), with no copy or writeState in between. */
  afterTrain: number[];
  /** The training executable's w after the inference executable's writeState(w = [0, 0, 0]). */
  trainSeesWrite: number[];
  /** Inference output after the training executable was destroyed (the shared storage must outlive it). */
  afterSourceDestroyed: number[];
  /** The inference executable's own state (not in the training step) after the case. */
  ownState: number[];
  /** Compiling with a state of the same name but another shape. */
  shapeError: string;
  /** Compiling with an initial value for a shared state. */
  initialError: string;
  /** Compiling against a destroyed executable. */
  destroyedError: string;
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : `not an error: ${String(e)}`;
}

async function failure(p: Promise<Executable>): Promise<string> {
  try {
    (await p).destroy();
    return 'compiled';
  } catch (e) {
    return describeError(e);
  }
}

/** The training step: y = x·w (fetched), w += 1 each run; b is read but never updated. */
function trainingStep(backend: Backend): Promise<Executable> {
  const g = new Graph();
  const x = g.input('x', [3]);
  const w = g.state('w', [3]);
  const b = g.state('b', [1]);
  return backend.compile({
    outputs: { y: ops.add(ops.sum(ops.mul(x, w), [0], true), b) },
    updates: { w: ops.add(w, 1) },
    initialState: { w: Float32Array.of(1, 2, 3), b: Float32Array.of(0.5) },
  });
}

/** Runs the case on `backend` (any backend; two executables and a few failing compiles). */
export async function runSharedStateCase(backend: Backend): Promise<SharedStateObservations> {
  const train = await trainingStep(backend);
  const g = new Graph();
  const x = g.input('x', [3]);
  const w = g.state('w', [3]);
  const b = g.state('b', [1]);
  const own = g.state('own', [1]);
  const infer = await backend.compile({
    outputs: { z: ops.add(ops.add(ops.sum(ops.mul(x, w), [0], true), b), own) },
    initialState: { own: Float32Array.of(10) },
    shareStateWith: train,
  });
  const feed = { x: Float32Array.of(1, 1, 1) };
  const z = async () => Array.from((await infer.run(feed))['z']!.data);
  const before = await z();
  await train.run(feed);
  const afterTrain = await z();
  await infer.writeState('w', Float32Array.of(0, 0, 0));
  const trainSeesWrite = Array.from((await train.readState('w')).data);

  const wrongShape = new Graph();
  const w4 = wrongShape.state('w', [4]);
  const shapeError = await failure(backend.compile({ outputs: { s: ops.sum(w4) }, shareStateWith: train }));
  const withInitial = new Graph();
  const wi = withInitial.state('w', [3]);
  const initialError = await failure(backend.compile({ outputs: { s: ops.sum(wi) }, initialState: { w: Float32Array.of(7, 7, 7) }, shareStateWith: train }));

  train.destroy();
  // Storage freed too early would be handed to this executable's leaves (and overwritten by them) on an arena.
  const filler = new Graph();
  const fill = await backend.compile({ outputs: { s: ops.sum(filler.state('f', [3])) }, updates: { f: ops.add(filler.states.get('f')!, 1) }, initialState: { f: Float32Array.of(99, 99, 99) } });
  await infer.writeState('w', Float32Array.of(2, 2, 2));
  await fill.run({});
  const afterSourceDestroyed = await z();
  fill.destroy();
  const ownState = Array.from((await infer.readState('own')).data);
  const again = new Graph();
  const destroyedError = await failure(backend.compile({ outputs: { s: ops.sum(again.state('w', [3])) }, shareStateWith: train }));
  infer.destroy();
  return { before, afterTrain, trainSeesWrite, afterSourceDestroyed, ownState, shapeError, initialError, destroyedError };
}

/** The values runSharedStateCase must observe on a correct backend (errors are matched by pattern). */
export const SHARED_STATE_EXPECTED = {
  before: [6 + 0.5 + 10],
  afterTrain: [9 + 0.5 + 10],
  trainSeesWrite: [0, 0, 0],
  afterSourceDestroyed: [6 + 0.5 + 10],
  ownState: [10],
  shapeError: /BackendError: .*state "w" is float32\[4\] here but float32\[3\]/,
  initialError: /FeedError: initial state "w" is shared/,
  destroyedError: /BackendError: .*destroyed executable/,
} as const;
