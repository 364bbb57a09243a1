/**
 * Checks for CompileSpec.shareStateWith, shared by every backend so errors read the same everywhere: which state
 * leaves of a new plan bind to another executable's storage, with shapes, dtypes and initial values checked.
 * Backends do the binding itself; this file only decides and checks.
 */
import { BackendError, FeedError } from '../errors.js';
import type { Plan } from '../passes/plan.js';
import { formatShape } from '../shape.js';
import type { Feed } from './backend.js';

/**
 * Names of the states of `plan` that `source` also has, in plan order. Throws BackendError when one differs in
 * shape or dtype, and FeedError when `initial` gives a value for one (it already has the source's value).
 */
export function sharedStateNames(plan: Plan, source: Plan, initial: Readonly<Record<string, Feed>>): string[] {
  const names: string[] = [];
  for (const [name, i] of plan.states) {
    const j = source.states.get(name);
    if (j === undefined) continue;
    const a = plan.values[i]!;
    const b = source.values[j]!;
    if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) {
      throw new BackendError(`shareStateWith: state "${name}" is ${a.dtype}${formatShape(a.shape)} here but ${b.dtype}${formatShape(b.shape)} in the executable it shares with; give one of them another name`);
    }
    if (initial[name] !== undefined) {
      throw new FeedError(`initial state "${name}" is shared with another executable, which holds its value; leave it out of initialState (or writeState it)`);
    }
    names.push(name);
  }
  return names;
}

/** The error for an executable of another backend (or another device or runtime) passed as shareStateWith. */
export function foreignExecutableError(backend: string, what: string): BackendError {
  return new BackendError(`${backend}: shareStateWith must be an executable compiled by this backend on ${what}; state cannot be shared across backends or devices (copy it with readState/writeState instead)`);
}
