/** Symmetric label noise: identity at rate 0, the rate, never the true class when corrupted, determinism, nesting. */
import { describe, expect, it } from 'vitest';
import { corruptLabels, labelDisagreement } from './noisy_labels.js';
import { linearProbe } from './linear_probe.js';
import { clusters } from './test_clusters.js';

const labels = Int32Array.from({ length: 20000 }, (_, i) => (i * 7) % 10);

describe('corruptLabels', () => {
  it('rate 0 returns an equal new array; the input is never modified', () => {
    const before = labels.slice();
    const out = corruptLabels(labels, 10, 0, 3);
    expect(out).not.toBe(labels);
    expect(out).toEqual(labels);
    corruptLabels(labels, 10, 0.6, 3);
    expect(labels).toEqual(before);
  });

  it('corrupts a fraction within tolerance of the rate, always to another class, uniformly over the others', () => {
    for (const rate of [0.2, 0.4, 0.6, 1]) {
      const out = corruptLabels(labels, 10, rate, 1);
      const realized = labelDisagreement(out, labels);
      expect(Math.abs(realized - rate)).toBeLessThan(0.015); // 3.5 sd at n = 20000
      expect(out.every((v) => v >= 0 && v < 10)).toBe(true);
    }
    expect(labelDisagreement(corruptLabels(labels, 10, 1, 1), labels)).toBe(1); // rate 1: every label wrong
    // Among labels of class 0 that were corrupted, each other class gets about 1/9.
    const out = corruptLabels(labels, 10, 0.5, 2);
    const counts = new Array<number>(10).fill(0);
    let n = 0;
    labels.forEach((l, i) => {
      if (l === 0 && out[i] !== 0) { counts[out[i]!]++; n++; }
    });
    expect(counts[0]).toBe(0);
    for (let c = 1; c < 10; c++) expect(Math.abs(counts[c]! / n - 1 / 9)).toBeLessThan(0.04);
  });

  it('is deterministic for a seed, differs across seeds, and nests across rates', () => {
    expect(corruptLabels(labels, 10, 0.4, 5)).toEqual(corruptLabels(labels, 10, 0.4, 5));
    expect(corruptLabels(labels, 10, 0.4, 6)).not.toEqual(corruptLabels(labels, 10, 0.4, 5));
    const low = corruptLabels(labels, 10, 0.2, 5);
    const high = corruptLabels(labels, 10, 0.6, 5);
    for (let i = 0; i < labels.length; i++) if (low[i] !== labels[i]) expect(high[i]).toBe(low[i]);
  });

  it('works with two classes (a corrupted label is the other one) and refuses bad arguments', () => {
    const two = Int32Array.from({ length: 1000 }, (_, i) => i % 2);
    const out = corruptLabels(two, 2, 1, 0);
    for (let i = 0; i < two.length; i++) expect(out[i]).toBe(1 - two[i]!);
    expect(() => corruptLabels(labels, 10, 1.5, 0)).toThrow(/rate 1.5/);
    expect(() => corruptLabels(labels, 5, 0.2, 0)).toThrow(/label 7 at 1 is outside \[0, 5\)/);
    expect(() => corruptLabels(new Int32Array(3), 1, 0.2, 0)).toThrow(/at least 2 classes/);
    expect(corruptLabels(new Int32Array(3), 1, 0, 0)).toEqual(new Int32Array(3));
  });

  it('a linear probe on separable features trained with 60% noisy labels still beats chance on clean test labels', () => {
    const train = clusters(1000, 5, 8, 0.3, 1, 2);
    const test = clusters(500, 5, 8, 0.3, 1, 3);
    const noisy = { ...train, labels: corruptLabels(train.labels, 5, 0.6, 4) };
    expect(labelDisagreement(noisy.labels, train.labels)).toBeGreaterThan(0.55);
    const acc = linearProbe(noisy, test, { classes: 5, epochs: 10, seed: 0 }).accuracy;
    expect(acc).toBeGreaterThan(0.5); // chance is 0.2
  });
});
