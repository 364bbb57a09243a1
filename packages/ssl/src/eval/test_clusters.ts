/** Synthetic features with known answers, for the evaluation tests. */
import { Rng } from '@dogo/core';
import type { FeatureSet } from './features.js';

/**
 * Class c's rows cluster around centre c (centres from `seed`, spread `noise` from `sampleSeed`). `shiftTo`
 * draws each row around another class's centre (label kept), a shift whose right answer is known.
 */
export function clusters(n: number, classes: number, dim: number, noise: number, seed: number, sampleSeed: number, o: { randomLabels?: boolean; shiftTo?: (c: number) => number } = {}): FeatureSet {
  const c = new Rng(seed);
  const centers = Array.from({ length: classes }, () => Array.from({ length: dim }, () => c.normal()));
  const rng = new Rng(sampleSeed);
  const features = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % classes;
    labels[i] = o.randomLabels ? rng.int(classes) : k;
    const centre = centers[o.shiftTo ? o.shiftTo(k) : k]!;
    for (let d = 0; d < dim; d++) features[i * dim + d] = centre[d]! + noise * rng.normal();
  }
  return { features, labels, count: n, dim };
}
