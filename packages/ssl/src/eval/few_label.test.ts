/** The few-label probe: a step budget, nothing held out, several label subsets averaged. */
import { describe, expect, it } from 'vitest';
import { fewLabelBudget, fewLabelProbe } from './few_label.js';
import { balancedSubset, linearProbe, selectRows } from './linear_probe.js';
import { clusters } from './test_clusters.js';

describe('linearProbe with a step budget', () => {
  it('trains as many epochs as the steps need, whatever the row count, and scores the last one without a holdout', () => {
    const test = clusters(100, 4, 8, 0.05, 1, 11);
    // 50 rows are one mini-batch of 64: 10 steps are 10 epochs. 200 rows are 4 mini-batches: 10 steps are 3 epochs.
    expect(linearProbe(clusters(50, 4, 8, 0.05, 1, 10), test, { classes: 4, steps: 10, holdout: 0 }).bestEpoch).toBe(9);
    expect(linearProbe(clusters(200, 4, 8, 0.05, 1, 10), test, { classes: 4, steps: 10, holdout: 0 }).bestEpoch).toBe(2);
    // steps win over epochs
    expect(linearProbe(clusters(200, 4, 8, 0.05, 1, 10), test, { classes: 4, steps: 10, epochs: 50, holdout: 0 }).bestEpoch).toBe(2);
  });

  it('refuses a holdout that leaves nothing to fit', () => {
    const one = clusters(1, 1, 4, 0.1, 1, 1);
    expect(() => linearProbe(one, one, { classes: 1, holdout: 1 })).toThrow(/no training rows left to fit \(1 rows, holdout 1\)/);
  });
});

describe('fewLabelProbe', () => {
  const train = clusters(2000, 10, 16, 0.6, 3, 30);
  const test = clusters(1000, 10, 16, 0.6, 3, 31);

  it('averages one probe per label subset, each on a distinct class-balanced subset, and is deterministic for a seed', () => {
    const r = fewLabelProbe(train, test, { classes: 10, fraction: 0.01, seed: 7, subsets: 4, steps: 200 });
    expect(r.rows).toBe(20);
    expect(r.perSubset).toHaveLength(4);
    expect(r.accuracy).toBeCloseTo(r.perSubset.reduce((a, x) => a + x, 0) / 4, 12);
    expect(fewLabelProbe(train, test, { classes: 10, fraction: 0.01, seed: 7, subsets: 4, steps: 200 })).toEqual(r);
    // Subset 0 is balancedSubset's usual draw for the seed; the others are new draws.
    const draws = [0, 1, 2, 3].map((d) => Array.from(balancedSubset(train.labels, 10, 0.01, 7, d)).join());
    expect(draws[0]).toBe(Array.from(balancedSubset(train.labels, 10, 0.01, 7)).join());
    expect(new Set(draws).size).toBe(4);
    const first = linearProbe(selectRows(train, balancedSubset(train.labels, 10, 0.01, 7)), test, { classes: 10, steps: 200, weightDecay: 1e-2, holdout: 0, seed: 7 });
    expect(r.perSubset[0]).toBe(first.accuracy);
    // An explicit weight decay reaches the probe.
    const noDecay = fewLabelProbe(train, test, { classes: 10, fraction: 0.01, seed: 7, subsets: 1, steps: 200, weightDecay: 0 });
    expect(noDecay.perSubset[0]).toBe(linearProbe(selectRows(train, balancedSubset(train.labels, 10, 0.01, 7)), test, { classes: 10, steps: 200, weightDecay: 0, holdout: 0, seed: 7 }).accuracy);
  });

  it('on two labelled images per class of well separated clusters, reaches what the full labels reach', () => {
    const easy = clusters(2000, 10, 16, 0.05, 4, 40);
    const easyTest = clusters(500, 10, 16, 0.05, 4, 41);
    const r = fewLabelProbe(easy, easyTest, { classes: 10, fraction: 0.01, seed: 0 });
    expect(r.accuracy).toBe(1);
    // The defaults for 20 labelled rows: 500 epochs of one mini-batch, 100 subsets to hold 2000 rows together.
    expect({ steps: r.steps, subsets: r.perSubset.length }).toEqual({ steps: 500, subsets: 100 });
  });

  it('sizes its defaults by the subset: many cheap draws of a small subset, a step budget that stops at 500 epochs', () => {
    expect(fewLabelBudget(50)).toEqual({ steps: 500, subsets: 40 }); // 1% of the decide preset's 5000 images
    expect(fewLabelBudget(500)).toEqual({ steps: 4000, subsets: 5 }); // 10% of them: 8 mini-batches an epoch
    expect(fewLabelBudget(6000)).toEqual({ steps: 4000, subsets: 5 }); // 10% of the full Fashion-MNIST
    expect(fewLabelBudget(1)).toEqual({ steps: 500, subsets: 2000 });
    // Explicit settings win over the defaults.
    const r = fewLabelProbe(train, test, { classes: 10, fraction: 0.1, seed: 3, subsets: 2, steps: 30 });
    expect({ steps: r.steps, subsets: r.perSubset.length, rows: r.rows }).toEqual({ steps: 30, subsets: 2, rows: 200 });
  });

  it('names a fraction or a subset count out of range', () => {
    expect(() => fewLabelProbe(train, test, { classes: 10, fraction: 0, seed: 0 })).toThrow(/fraction must be in \(0, 1\], got 0/);
    expect(() => fewLabelProbe(train, test, { classes: 10, fraction: 0.1, seed: 0, subsets: 0 })).toThrow(/subsets must be a positive integer, got 0/);
  });
});
