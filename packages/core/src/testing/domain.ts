/** Draws test inputs from a pointwise op's domain (its table row's `domain`). Public, for backend tests. */
import type { Domain } from '../ops/pointwise/pointwise_types.js';

/** One value uniform in [lo, hi] with |x| >= avoid, from a source of uniform numbers in [0, 1). */
export function sampleDomain(d: Domain, uniform: () => number): number {
  for (;;) {
    const x = d.lo + (d.hi - d.lo) * uniform();
    if (d.avoid === undefined || Math.abs(x) >= d.avoid) return x;
  }
}
