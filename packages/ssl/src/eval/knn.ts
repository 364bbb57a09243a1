/**
 * kNN accuracy on frozen features, the common SSL monitor: cosine similarity on L2-normalised features,
 * the k nearest training samples vote for their class with weight exp(similarity / temperature).
 */
import type { FeatureSet } from './features.js';

export interface KnnOptions {
  k?: number;
  temperature?: number;
  classes: number;
}

export function l2NormalizeRows(x: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / dim; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += x[r * dim + j]! ** 2;
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let j = 0; j < dim; j++) out[r * dim + j] = x[r * dim + j]! * inv;
  }
  return out;
}

/** Top-1 accuracy (0..1) of kNN classification of `test` against `train`. */
export function knnAccuracy(train: FeatureSet, test: FeatureSet, o: KnnOptions): number {
  const k = Math.min(o.k ?? 200, train.count);
  const t = o.temperature ?? 0.1;
  const dim = train.dim;
  const a = l2NormalizeRows(train.features, dim);
  const q = l2NormalizeRows(test.features, dim);
  const sims = new Float32Array(train.count);
  const idx = new Int32Array(train.count);
  const votes = new Float64Array(o.classes);
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    const qi = q.subarray(i * dim, (i + 1) * dim);
    for (let j = 0; j < train.count; j++) {
      let s = 0;
      const off = j * dim;
      for (let d = 0; d < dim; d++) s += qi[d]! * a[off + d]!;
      sims[j] = s;
      idx[j] = j;
    }
    // Partial selection of the k largest similarities.
    const top = Array.from(idx).sort((x, y) => sims[y]! - sims[x]!).slice(0, k);
    votes.fill(0);
    for (const j of top) votes[train.labels[j]!]! += Math.exp(sims[j]! / t);
    let best = 0;
    for (let c = 1; c < o.classes; c++) if (votes[c]! > votes[best]!) best = c;
    if (best === test.labels[i]) correct++;
  }
  return test.count === 0 ? 0 : correct / test.count;
}
