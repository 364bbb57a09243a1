/**
 * Runs one conformance case on a backend: builds the op's graph, adds gradients of
 * sum_k <outputs[k], seeds[k]> where the case lists grads, and compares by relative L2 error.
 */
import type { Backend, HostTensor } from '../backend/backend.js';
import { grad } from '../autodiff/grad.js';
import { Graph } from '../graph/graph.js';
import { ops } from '../graph/builder.js';
import type { Node } from '../graph/node.js';
import { CASE_BUILDERS } from './builders.js';
import type { ConformanceCase } from './case.js';

export interface TensorCheck { tensor: string; relError: number; ok: boolean; reason?: string }

export interface CaseResult {
  name: string;
  op: string;
  passed: boolean;
  checks: TensorCheck[];
  /** Why the case could not run (unknown op, compile or run error). */
  error?: string;
}

/** ||got - want||₂ / max(||want||₂, 1e-12), or NaN when got holds a NaN or infinity. */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    if (!Number.isFinite(g)) return Number.NaN;
    num += (g - want[i]!) ** 2;
    den += want[i]! ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);
}

function compare(name: string, got: HostTensor | undefined, want: HostTensor, tol: number): TensorCheck {
  if (!got) return { tensor: name, relError: Number.NaN, ok: false, reason: 'not produced' };
  if (got.data.length !== want.data.length) return { tensor: name, relError: Number.NaN, ok: false, reason: `has ${got.data.length} elements, expected ${want.data.length}` };
  const e = relativeError(got.data, want.data);
  return { tensor: name, relError: e, ok: Number.isFinite(e) && e <= tol, ...(Number.isFinite(e) ? {} : { reason: 'NaN or infinite values' }) };
}

export async function runCase(backend: Backend, c: ConformanceCase): Promise<CaseResult> {
  const build = CASE_BUILDERS[c.op];
  if (!build) return { name: c.name, op: c.op, passed: false, checks: [], error: `unknown op "${c.op}"` };
  try {
    const g = new Graph();
    const inputs: Record<string, Node> = {};
    for (const [k, t] of Object.entries(c.inputs)) inputs[k] = g.input(k, t.shape, t.dtype);
    const outs = build(inputs, c.attrs);
    const fetch: Record<string, Node> = { ...outs };
    const feeds: Record<string, HostTensor> = { ...c.inputs };
    const gradNames = Object.keys(c.grads);
    if (gradNames.length > 0) {
      let loss: Node | undefined;
      for (const [k, seed] of Object.entries(c.seeds)) {
        const out = outs[k];
        if (!out) throw new Error(`seed "${k}" names no output of ${c.op}`);
        const s = g.input(`seed:${k}`, seed.shape, seed.dtype);
        feeds[`seed:${k}`] = seed;
        const term = ops.sum(ops.mul(out, s));
        loss = loss ? ops.add(loss, term) : term;
      }
      if (!loss) throw new Error('grads listed without seeds');
      const grads = grad(loss, gradNames.map((k) => inputs[k]!));
      gradNames.forEach((k, i) => (fetch[`grad:${k}`] = grads[i]!));
    }
    const exe = await backend.compile({ outputs: fetch });
    let got: Record<string, HostTensor>;
    try {
      got = await exe.run(feeds);
    } finally {
      exe.destroy();
    }
    const checks = [
      ...Object.entries(c.outputs).map(([k, want]) => compare(k, got[k], want, c.tolerance)),
      ...Object.entries(c.grads).map(([k, want]) => compare(`grad:${k}`, got[`grad:${k}`], want, c.tolerance)),
    ];
    return { name: c.name, op: c.op, passed: checks.every((x) => x.ok), checks };
  } catch (e) {
    return { name: c.name, op: c.op, passed: false, checks: [], error: (e as Error).message };
  }
}

/** One line per failing case: its name, and each failing tensor with its relative error. */
export function formatFailure(r: CaseResult): string {
  if (r.error) return `FAIL ${r.name} (${r.op}): ${r.error}`;
  const bad = r.checks.filter((c) => !c.ok).map((c) => `${c.tensor} rel.err ${Number.isFinite(c.relError) ? c.relError.toExponential(2) : 'NaN'}${c.reason ? ` (${c.reason})` : ''}`);
  return `FAIL ${r.name} (${r.op}): ${bad.join('; ')}`;
}
