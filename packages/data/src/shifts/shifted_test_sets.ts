/**
 * Every shifted copy of a test set for a robustness report: each corruption of `corruptions.ts` at each asked
 * severity, keyed `corruption/severity` (ImageNet-C's folder layout, e.g. `gaussian_noise/3`). Public.
 * Eager: each copy holds count x C x H x W bytes (30 MB for CIFAR-10's test set), so ask only for the severities
 * you evaluate, or call `applyShift` one at a time.
 */
import type { Dataset } from '../dataset.js';
import { SHIFT_NAMES, applyShift, type ShiftName } from './corruptions.js';

export interface ShiftedTestSetsOptions {
  /** Seed of the random corruptions (noise, elastic fields). */
  seed: number;
  /** Severities to produce, each in 0..5 (default 1..5; 0 is the clean set). */
  severities?: readonly number[];
  /** Corruptions to apply (default all of SHIFT_NAMES, in that order). */
  corruptions?: readonly ShiftName[];
}

/** Shifted copies of `test`, keyed `${corruption}/${severity}`, in corruption-then-severity order. */
export function shiftedTestSets(test: Dataset, o: ShiftedTestSetsOptions): Record<string, Dataset> {
  const severities = o.severities ?? [1, 2, 3, 4, 5];
  const corruptions = o.corruptions ?? SHIFT_NAMES;
  const out: Record<string, Dataset> = {};
  for (const name of corruptions) {
    if (!SHIFT_NAMES.includes(name)) throw new RangeError(`shiftedTestSets: unknown corruption "${name}"; known: ${SHIFT_NAMES.join(', ')}`);
    for (const s of severities) out[`${name}/${s}`] = applyShift(test, name, s, o.seed);
  }
  return out;
}
