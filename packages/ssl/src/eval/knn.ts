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

/** One query's kNN answer: the winning class and its share of the votes (0..1). */
export interface KnnPrediction {
  label: number;
  /** The winning class's votes over all votes of the k neighbours. */
  confidence: number;
}

/**
 * A kNN classifier over a reference set: rows L2-normalised once, then each query's k most similar rows (cosine)
 * vote for their class with weight exp(similarity / temperature).
 */
export class KnnClassifier {
  private readonly rows: Float32Array;
  private readonly k: number;
  private readonly temperature: number;
  private readonly sims: Float32Array;
  private readonly votes: Float64Array;

  constructor(readonly reference: FeatureSet, readonly options: KnnOptions) {
    this.rows = l2NormalizeRows(reference.features, reference.dim);
    this.k = Math.min(options.k ?? 200, reference.count);
    this.temperature = options.temperature ?? 0.1;
    this.sims = new Float32Array(reference.count);
    this.votes = new Float64Array(options.classes);
  }

  /** The prediction for one query vector of `reference.dim` values (normalised here). */
  predict(query: Float32Array): KnnPrediction {
    const { dim, count, labels } = this.reference;
    if (query.length !== dim) throw new RangeError(`knn: query has ${query.length} values, the reference features ${dim}`);
    const q = l2NormalizeRows(query, dim);
    for (let j = 0; j < count; j++) {
      let s = 0;
      const off = j * dim;
      for (let d = 0; d < dim; d++) s += q[d]! * this.rows[off + d]!;
      this.sims[j] = s;
    }
    const sims = this.sims;
    // Partial selection of the k largest similarities.
    const top = Array.from({ length: count }, (_, j) => j).sort((x, y) => sims[y]! - sims[x]!).slice(0, this.k);
    const votes = this.votes;
    votes.fill(0);
    for (const j of top) votes[labels[j]!]! += Math.exp(sims[j]! / this.temperature);
    let best = 0;
    let total = 0;
    for (let c = 0; c < votes.length; c++) {
      total += votes[c]!;
      if (votes[c]! > votes[best]!) best = c;
    }
    return { label: best, confidence: total > 0 ? votes[best]! / total : 0 };
  }
}

/** Top-1 accuracy (0..1) of kNN classification of `test` against `train`. */
export function knnAccuracy(train: FeatureSet, test: FeatureSet, o: KnnOptions): number {
  const knn = new KnnClassifier(train, o);
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    if (knn.predict(test.features.subarray(i * test.dim, (i + 1) * test.dim)).label === test.labels[i]) correct++;
  }
  return test.count === 0 ? 0 : correct / test.count;
}
