/** Robustness report on synthetic features with known answers. */
import { describe, expect, it } from 'vitest';
import { robustnessReport } from './robustness.js';
import { clusters } from './test_clusters.js';

const probe = { epochs: 15 };

describe('robustnessReport', () => {
  it('separable features: 100% clean, noisy labels barely hurt, an unshifted set keeps 100%, a class-swapping shift gets 0%', () => {
    const C = 4;
    const train = clusters(800, C, 8, 0.1, 1, 2);
    const test = clusters(200, C, 8, 0.1, 1, 3);
    const r = robustnessReport({
      train, test,
      shifted: {
        same: clusters(200, C, 8, 0.1, 1, 4),
        swapped: clusters(200, C, 8, 0.1, 1, 5, { shiftTo: (k) => (k + 1) % C }),
        noisy: clusters(200, C, 8, 1.5, 1, 6),
      },
    }, { classes: C, seed: 0, probe });
    expect(r.clean.accuracy).toBe(1);
    expect(r.chance).toBe(0.25);
    expect([r.trainCount, r.testCount, r.dim]).toEqual([800, 200, 8]);
    expect(r.noisyLabels.map((x) => x.rate)).toEqual([0.2, 0.4, 0.6]);
    for (const x of r.noisyLabels) {
      expect(Math.abs(x.realizedRate - x.rate)).toBeLessThan(0.06);
      expect(x.accuracy).toBeGreaterThan(0.9); // the true class is still each cluster's most frequent label
      expect(x.validation).toBeLessThan(1); // held-out labels are noisy too
    }
    expect(r.ood.map((x) => x.name)).toEqual(['same', 'swapped', 'noisy']);
    const [same, swapped, noisy] = r.ood;
    expect(same).toEqual({ name: 'same', count: 200, accuracy: 1, drop: 0 });
    expect(swapped!.accuracy).toBe(0);
    expect(swapped!.drop).toBe(1);
    expect(noisy!.accuracy).toBeGreaterThan(0.25);
    expect(noisy!.accuracy).toBeLessThan(1);
  });

  it('pure-noise labels give chance everywhere', () => {
    const C = 5;
    const train = clusters(1000, C, 8, 1, 1, 2, { randomLabels: true });
    const test = clusters(1000, C, 8, 1, 1, 3, { randomLabels: true });
    const r = robustnessReport({ train, test, shifted: { other: clusters(1000, C, 8, 1, 1, 4, { randomLabels: true }) } }, { classes: C, probe: { epochs: 5 } });
    for (const acc of [r.clean.accuracy, ...r.noisyLabels.map((x) => x.accuracy), ...r.ood.map((x) => x.accuracy)]) {
      expect(acc).toBeGreaterThan(0.12);
      expect(acc).toBeLessThan(0.28);
    }
  });

  it('is plain JSON, deterministic for a seed, and takes custom rates and no shifted sets', () => {
    const train = clusters(300, 3, 4, 0.5, 7, 8);
    const test = clusters(90, 3, 4, 0.5, 7, 9);
    const o = { classes: 3, noiseRates: [0, 0.5], seed: 3, probe: { epochs: 4 } };
    const r = robustnessReport({ train, test }, o);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    expect(robustnessReport({ train, test }, o)).toEqual(r);
    expect(r.ood).toEqual([]);
    expect(r.noisyLabels[0]!.realizedRate).toBe(0);
    expect(r.noisyLabels[0]!.accuracy).toBe(r.clean.accuracy); // rate 0 is the clean probe
    const noHoldout = robustnessReport({ train, test }, { ...o, probe: { epochs: 2, holdout: 0 } });
    expect(noHoldout.clean.validation).toBeNull();
    expect(JSON.parse(JSON.stringify(noHoldout))).toEqual(noHoldout);
  });

  it('refuses sets of another width or labels out of range, naming the set', () => {
    const train = clusters(30, 3, 4, 0.5, 7, 8);
    expect(() => robustnessReport({ train, test: train, shifted: { blur: clusters(30, 3, 5, 0.5, 7, 8) } }, { classes: 3 })).toThrow(/shifted set "blur" has 30 rows of dim 5/);
    expect(() => robustnessReport({ train, test: train }, { classes: 2 })).toThrow(/train label 2 at row 2/);
  });
});
