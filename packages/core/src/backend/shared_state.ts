/**
 * Checks for CompileSpec.shareStateWith, the same on every backend: which executable holds a state leaf to be
 * shared, and whether it may be shared (same backend instance, same shape and dtype, not also initialised).
 */
import { BackendError, FeedError } from '../errors.js';
import type { PlanValue } from '../passes/plan.js';
import { formatShape } from '../shape.js';
import type { CompileSpec, Executable } from './backend.js';

/**
 * The executable of `spec.shareStateWith` holding state `v` (the first that has it), or undefined. `own` tells
 * whether an executable belongs to the compiling backend instance; one that does not is an error.
 */
export function sharedStateOwner<E extends Executable>(spec: CompileSpec, v: PlanValue, own: (e: Executable) => e is E, backend: string): E | undefined {
  for (const e of spec.shareStateWith ?? []) {
    if (!own(e)) throw new BackendError(`shareStateWith: a ${e.backend} executable cannot share state with this ${backend} backend; compile both on one backend instance (one wasm runtime, one GPU device)`);
    const i = e.plan.states.get(v.name!);
    if (i === undefined) continue;
    const held = e.plan.values[i]!;
    if (held.shape.join() !== v.shape.join() || held.dtype !== v.dtype) {
      throw new BackendError(`shareStateWith: state "${v.name}" is ${held.dtype}${formatShape(held.shape)} in the executable sharing it, ${v.dtype}${formatShape(v.shape)} here; give different states different names`);
    }
    if (spec.initialState?.[v.name!] !== undefined) throw new FeedError(`initial state "${v.name}" is shared with another executable; initialise it there`);
    return e;
  }
  return undefined;
}
