import { describe, expect, it } from 'vitest';
import { knnAccuracy } from './knn.js';
import { balancedSubset, linearProbe, selectRows } from './linear_probe.js';
import { clusters } from './test_clusters.js';

describe('evaluation on features with a known answer', () => {
  it('kNN and the linear probe reach 100% on well separated clusters', () => {
    const train = clusters(400, 4, 8, 0.05, 1, 10);
    const test = clusters(100, 4, 8, 0.05, 1, 11);
    expect(knnAccuracy(train, test, { classes: 4, k: 20 })).toBe(1);
    expect(linearProbe(train, test, { classes: 4, epochs: 20, seed: 0 }).accuracy).toBe(1);
  });

  it('give chance-level accuracy when labels are pure noise', () => {
    const train = clusters(1000, 5, 8, 1, 2, 20, { randomLabels: true });
    const test = clusters(1000, 5, 8, 1, 2, 21, { randomLabels: true });
    const knn = knnAccuracy(train, test, { classes: 5, k: 50 });
    const lin = linearProbe(train, test, { classes: 5, epochs: 10, seed: 0 }).accuracy;
    for (const acc of [knn, lin]) {
      expect(acc).toBeGreaterThan(0.12);
      expect(acc).toBeLessThan(0.28);
    }
  });

  it('draws class-balanced label subsets from a seed', () => {
    const labels = Int32Array.from({ length: 1000 }, (_, i) => i % 10);
    const s = balancedSubset(labels, 10, 0.1, 5);
    expect(s.length).toBe(100);
    const counts = new Array(10).fill(0);
    for (const r of s) counts[labels[r]!]++;
    expect(counts).toEqual(new Array(10).fill(10));
    expect(balancedSubset(labels, 10, 0.1, 5)).toEqual(s);
    expect(balancedSubset(labels, 10, 0.01, 5).length).toBe(10);
    const f = clusters(1000, 10, 4, 0.1, 0, 0);
    expect(selectRows(f, s).count).toBe(100);
  });
});
