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

/** `a` ranks below `b`: a lower similarity, or the same one at a later row (the order a stable sort gives). */
function below(sims: Float32Array, a: number, b: number): boolean {
  return sims[a]! < sims[b]! || (sims[a] === sims[b] && a > b);
}

/**
 * The rows of the k largest of `sims[0..count)`, most similar first, ties to the earlier row: the first k of a
 * stable descending sort, found with a min-heap of k rows in one pass (O(count log k), and most rows are turned
 * away by one comparison with the heap's least) instead of sorting every row for every query.
 */
export function topK(sims: Float32Array, count: number, k: number, heap: Int32Array = new Int32Array(k)): number[] {
  let size = 0;
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < size && below(sims, heap[l]!, heap[m]!)) m = l;
      if (r < size && below(sims, heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      const t = heap[i]!;
      heap[i] = heap[m]!;
      heap[m] = t;
      i = m;
    }
  };
  for (let j = 0; j < count; j++) {
    if (size < k) {
      // Sift up: the heap's root is its least row.
      let i = size++;
      heap[i] = j;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!below(sims, heap[i]!, heap[p]!)) break;
        const t = heap[i]!;
        heap[i] = heap[p]!;
        heap[p] = t;
        i = p;
      }
    } else if (k > 0 && sims[j]! > sims[heap[0]!]!) {
      // A later row with an equal similarity ranks below every row already held, so only a larger one enters.
      heap[0] = j;
      siftDown(0);
    }
  }
  return Array.from(heap.subarray(0, size)).sort((a, b) => (below(sims, a, b) ? 1 : below(sims, b, a) ? -1 : 0));
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
  private readonly heap: Int32Array;

  constructor(readonly reference: FeatureSet, readonly options: KnnOptions) {
    this.rows = l2NormalizeRows(reference.features, reference.dim);
    this.k = Math.min(options.k ?? 200, reference.count);
    this.temperature = options.temperature ?? 0.1;
    this.sims = new Float32Array(reference.count);
    this.votes = new Float64Array(options.classes);
    this.heap = new Int32Array(this.k);
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
    const top = topK(this.sims, count, this.k, this.heap);
    const votes = this.votes;
    votes.fill(0);
    for (const j of top) votes[labels[j]!]! += Math.exp(this.sims[j]! / this.temperature);
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
