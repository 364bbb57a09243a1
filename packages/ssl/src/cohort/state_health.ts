/**
 * Host-side checks of state values: which tensor of a model went bad after the on-device health scalar
 * said something did, and whether a whole state (a checkpoint about to be written or exported) is finite.
 * Internal to the trainer and the checkpoint writers; reads state only on failure or when saving.
 */
import type { HostTensor } from '@dogo/core';

/** Where state is read from: a compiled step (one executable or several). */
export interface StateReader {
  stateNames(): Iterable<string>;
  readState(name: string): Promise<HostTensor>;
}

/** Magnitude past which a float32 square overflows: the parameter limit of the on-device health check. */
export const PARAMETER_OVERFLOW = Math.sqrt(3.4028234663852886e38);

/** The first bad value of a tensor, or undefined when every value is finite (and, with `limit`, below it). */
export function firstBadValue(data: ArrayLike<number>, limit = Infinity): { index: number; value: number; count: number } | undefined {
  let first = -1;
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v) || Math.abs(v) >= limit) {
      if (first < 0) first = i;
      count++;
    }
  }
  return first < 0 ? undefined : { index: first, value: data[first]!, count };
}

function describe(name: string, data: ArrayLike<number>, bad: { index: number; value: number; count: number }, limit: number): string {
  const what = limit === Infinity ? 'non-finite' : `non-finite or beyond ${limit.toExponential(2)}`;
  return `"${name}" holding ${bad.value} at index ${bad.index} (${bad.count} of ${data.length} values ${what})`;
}

/** The first state tensor under `prefix` holding a non-finite value (parameters: or one past PARAMETER_OVERFLOW). */
export async function findUnhealthyTensor(exe: StateReader, params: readonly string[], prefix: string): Promise<{ name: string; description: string } | undefined> {
  const isParam = new Set(params);
  for (const name of exe.stateNames()) {
    if (!name.startsWith(prefix)) continue;
    const t = await exe.readState(name);
    const limit = isParam.has(name) ? PARAMETER_OVERFLOW : Infinity;
    const bad = firstBadValue(t.data, limit);
    if (bad) return { name, description: describe(name, t.data, bad, limit) };
  }
  return undefined;
}

/** The first tensor of a state map holding NaN or an infinity, described, or undefined when all are finite. */
export function findNonFiniteTensor(state: Readonly<Record<string, { readonly data: ArrayLike<number> }>>): string | undefined {
  for (const [name, t] of Object.entries(state)) {
    const bad = firstBadValue(t.data);
    if (bad) return describe(name, t.data, bad, Infinity);
  }
  return undefined;
}
