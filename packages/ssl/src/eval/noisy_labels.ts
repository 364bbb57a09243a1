/**
 * Symmetric label noise for robustness evaluation: each label, independently with probability `rate`, is replaced
 * by a class drawn uniformly from the OTHER classes (so `rate` is the expected fraction of wrong labels, and the
 * transition matrix has 1 - rate on the diagonal and rate / (C - 1) elsewhere). Public. Seeded and deterministic;
 * the input is never modified.
 *
 * Every label consumes the same two draws whatever the rate (a uniform to decide, a class offset to replace), so
 * with one seed the labels corrupted at a lower rate are a subset of those corrupted at a higher one, and get the
 * same wrong class: noise levels are nested, and accuracies across rates differ only by the rate.
 */
import { Rng } from '@dogo/core';

/** A copy of `labels` (each in [0, classes)) with symmetric noise at `rate` in [0, 1], drawn from `seed`. */
export function corruptLabels(labels: Int32Array, classes: number, rate: number, seed: number): Int32Array {
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`corruptLabels: classes ${classes} must be a positive integer`);
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`corruptLabels: rate ${rate} must be in [0, 1]`);
  if (rate > 0 && classes < 2) throw new RangeError('corruptLabels: noise needs at least 2 classes (a wrong label must exist)');
  const rng = new Rng(seed).fork('noisy_labels');
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!(l >= 0 && l < classes)) throw new RangeError(`corruptLabels: label ${l} at ${i} is outside [0, ${classes})`);
    const u = rng.uniform();
    const offset = classes > 1 ? rng.int(classes - 1) : 0;
    // offset in [0, C-1) skips the true class: a uniform draw over the C - 1 others.
    out[i] = u < rate ? (offset >= l ? offset + 1 : offset) : l;
  }
  return out;
}

/** Fraction of positions where `a` and `b` differ (the realised noise rate). */
export function labelDisagreement(a: Int32Array, b: Int32Array): number {
  if (a.length !== b.length) throw new RangeError(`labelDisagreement: ${a.length} labels against ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
  return a.length === 0 ? 0 : d / a.length;
}
