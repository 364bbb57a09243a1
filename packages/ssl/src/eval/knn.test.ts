/** kNN's neighbour selection: the first k rows of a stable descending sort, found without sorting every row. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KnnClassifier, l2NormalizeRows, topK } from './knn.js';
import { clusters } from './test_clusters.js';

/** What dogo did until 2026-12: sort every row (stably) by similarity, keep the first k. */
const sortedTopK = (sims: Float32Array, k: number) => Array.from(sims.keys()).sort((x, y) => sims[y]! - sims[x]!).slice(0, k);

describe('topK', () => {
  it('picks the rows of a stable descending sort, in its order, ties included', () => {
    // Few distinct values, so ties at the k-th place are the common case.
    const values = fc.array(fc.integer({ min: -4, max: 4 }).map((v) => v / 4), { maxLength: 300 });
    fc.assert(fc.property(values, fc.integer({ min: 0, max: 320 }), (vs, k) => {
      const sims = Float32Array.from(vs);
      expect(topK(sims, sims.length, Math.min(k, sims.length))).toEqual(sortedTopK(sims, k));
    }), { numRuns: 300 });
    fc.assert(fc.property(fc.array(fc.float({ noNaN: true }), { maxLength: 500 }), fc.integer({ min: 1, max: 200 }), (vs, k) => {
      const sims = Float32Array.from(vs);
      expect(topK(sims, sims.length, Math.min(k, sims.length))).toEqual(sortedTopK(sims, k));
    }), { numRuns: 200 });
  });

  it('reads only the first `count` similarities (a scratch buffer may be longer)', () => {
    const sims = Float32Array.from([0.1, 0.9, 0.5, 0.99]);
    expect(topK(sims, 3, 2)).toEqual([1, 2]);
  });
});

describe('KnnClassifier', () => {
  it('predicts as the full sort did: the same label and confidence for every query', () => {
    const train = clusters(600, 5, 8, 0.8, 2, 50);
    const test = clusters(200, 5, 8, 0.8, 2, 51);
    const knn = new KnnClassifier(train, { classes: 5, k: 50 });
    const ref = l2NormalizeRows(train.features, 8);
    for (let i = 0; i < test.count; i++) {
      const q = test.features.subarray(i * 8, (i + 1) * 8);
      const qn = l2NormalizeRows(q, 8);
      const sims = Float32Array.from({ length: train.count }, (_, j) => {
        let s = 0;
        for (let d = 0; d < 8; d++) s += qn[d]! * ref[j * 8 + d]!;
        return s;
      });
      const votes = new Float64Array(5);
      for (const j of sortedTopK(sims, 50)) votes[train.labels[j]!]! += Math.exp(sims[j]! / 0.1);
      const best = votes.indexOf(Math.max(...votes));
      expect(knn.predict(q)).toEqual({ label: best, confidence: votes[best]! / votes.reduce((a, x) => a + x, 0) });
    }
  });
});
