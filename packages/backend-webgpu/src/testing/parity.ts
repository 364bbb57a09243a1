/**
 * Test-only helpers for backend tests: run one step on the WebGPU backend and on the reference backend
 * and compare every fetched tensor by relative L2 error.
 */
import { ReferenceBackend, relativeError, type Backend, type CompileSpec, type Feed, type HostTensor } from '@dogo/core';

export interface Compared {
  got: Record<string, HostTensor>;
  want: Record<string, HostTensor>;
  /** Relative L2 error per fetched tensor. */
  errors: Record<string, number>;
  worst: number;
}

/** Compiles `spec` on both backends, runs `feeds` `runs` times (state updates included) and compares the last run. */
export async function compareWithReference(backend: Backend, spec: CompileSpec, feeds: Record<string, Feed>, runs = 1): Promise<Compared> {
  const exe = await backend.compile(spec);
  const ref = await new ReferenceBackend().compile(spec);
  let got: Record<string, HostTensor> = {};
  let want: Record<string, HostTensor> = {};
  try {
    for (let r = 0; r < runs; r++) {
      got = await exe.run(feeds);
      want = await ref.run(feeds);
    }
    for (const name of exe.plan.states.keys()) {
      got[`state:${name}`] = await exe.readState(name);
      want[`state:${name}`] = await ref.readState(name);
    }
  } finally {
    exe.destroy();
    ref.destroy();
  }
  const errors: Record<string, number> = {};
  for (const k of Object.keys(want)) {
    const g = got[k];
    errors[k] = !g || g.data.length !== want[k]!.data.length || g.dtype !== want[k]!.dtype ? Number.NaN : relativeError(g.data, want[k]!.data);
  }
  const worst = Math.max(0, ...Object.values(errors).map((e) => (Number.isNaN(e) ? Infinity : e)));
  return { got, want, errors, worst };
}
