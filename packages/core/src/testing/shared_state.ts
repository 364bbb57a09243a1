/**
 * One scenario of CompileSpec.shareStateWith for every backend's tests: two executables of one backend hold
 * one state leaf, each sees the other's updates, and the errors (initialising a shared state, another shape).
 * Public, for backend tests; throws an Error naming the first mismatch.
 */
import type { Backend } from '../backend/backend.js';
import { Graph } from '../graph/graph.js';
import { ops } from '../graph/builder.js';

/** Runs the scenario on `backend`; resolves when every expectation holds. */
export async function checkSharedState(backend: Backend): Promise<void> {
  const ga = new Graph();
  const pa = ga.state('p', [2]);
  const a = await backend.compile({ outputs: { p: pa }, updates: { p: ops.add(pa, ga.input('x', [2])) }, initialState: { p: Float32Array.of(1, 2) } });
  const gb = new Graph();
  const pb = gb.state('p', [2]);
  const q = gb.state('q', [1]);
  const b = await backend.compile({ outputs: { y: ops.mul(pb, 2) }, updates: { p: ops.mul(pb, 3), q: ops.add(q, 1) }, shareStateWith: [a] });
  const same = (what: string, got: ArrayLike<number>, want: number[]) => {
    if (Array.from(got).join() !== want.join()) throw new Error(`shared state: ${what} is [${Array.from(got).join(', ')}], expected [${want.join(', ')}]`);
  };
  try {
    await a.run({ x: Float32Array.of(10, 20) });
    same('the fetch of the sharing executable', (await b.run({}))['y']!.data, [22, 44]);
    same('the owner\'s state after the sharing executable\'s update', (await a.readState('p')).data, [33, 66]);
    same('the state read through the sharing executable', (await b.readState('p')).data, [33, 66]);
    await b.writeState('p', Float32Array.of(0, 1));
    same('the owner\'s fetch after a write through the sharing executable', (await a.run({ x: Float32Array.of(0, 0) }))['p']!.data, [0, 1]);
    same('a state the sharing executable owns, after its one run', (await b.readState('q')).data, [1]);
    const expectError = async (what: string, pattern: RegExp, f: () => Promise<unknown>) => {
      let error: unknown;
      try { (await f() as { destroy?: () => void } | undefined)?.destroy?.(); } catch (e) { error = e; }
      if (!(error instanceof Error) || !pattern.test(error.message)) throw new Error(`shared state: ${what} should fail with ${pattern}, got ${String(error)}`);
    };
    await expectError('an initial value for a shared state', /shared with another executable; initialise it there/, () =>
      backend.compile({ outputs: { y: ops.mul(pb, 2) }, initialState: { p: Float32Array.of(0, 0) }, shareStateWith: [a] }));
    const gc = new Graph();
    const pc = gc.state('p', [3]);
    await expectError('a shared state of another shape', /state "p" is float32\[2\] in the executable sharing it, float32\[3\] here/, () =>
      backend.compile({ outputs: { y: ops.mul(pc, 2) }, shareStateWith: [a] }));
  } finally {
    b.destroy();
    a.destroy();
  }
}
