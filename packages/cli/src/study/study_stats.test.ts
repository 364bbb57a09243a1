/** The study's statistics on hand-checkable numbers: interval, permutation test, verdict rule, sample sizes. */
import { describe, expect, it } from 'vitest';
import { holmRejects, pairedStats, seedsForWidth, seedsNeeded, signFlipTest, tInterval } from './study_stats.js';

describe('tInterval', () => {
  it('is mean ± t(0.975, n-1) · SD/√n', () => {
    // mean 3, SD √2.5, t(0.975, 4) = 2.776445
    const [lo, hi] = tInterval([1, 2, 3, 4, 5])!;
    expect(lo).toBeCloseTo(3 - 2.776445 * Math.sqrt(2.5 / 5), 5);
    expect(hi).toBeCloseTo(3 + 2.776445 * Math.sqrt(2.5 / 5), 5);
    expect(tInterval([0.5])).toBeNull();
  });
});

describe('signFlipTest', () => {
  it('counts every sign pattern at least as extreme as the observed one', () => {
    // Sums of ±1 ±2 ±3: 6, 4, 2, 0, 0, -2, -4, -6; |sum| >= 6 twice in 8.
    expect(signFlipTest([1, 2, 3])).toEqual({ p: 0.25, exact: true });
    expect(signFlipTest([0.038, 0.008])).toEqual({ p: 0.5, exact: true });
    expect(signFlipTest([1, -1, 1, -1])).toEqual({ p: 1, exact: true });
    // Six differences of one sign: the smallest p six seeds can give, 2/64.
    expect(signFlipTest([0.01, 0.02, 0.015, 0.03, 0.012, 0.02]).p).toBe(2 / 64);
    expect(signFlipTest([-0.01, -0.02, -0.015, -0.03, -0.012, -0.02]).p).toBe(2 / 64);
  });

  it('estimates by Monte Carlo, from a fixed seed, above 20 seeds', () => {
    const d = Array.from({ length: 24 }, (_, i) => 0.01 + 0.001 * i);
    const a = signFlipTest(d);
    expect(a.exact).toBe(false);
    expect(a.p).toBeLessThan(1e-4); // exact: 2/2^24
    expect(signFlipTest(d)).toEqual(a);
    const mixed = signFlipTest(Array.from({ length: 24 }, (_, i) => (i % 2 ? 1 : -1) * (1 + i / 100)));
    expect(mixed.p).toBeGreaterThan(0.5);
  });
});

describe('seedsNeeded', () => {
  it('agrees with the standard paired t-test sample sizes (power 0.8, two-sided alpha 0.05)', () => {
    // G*Power, one-sample/paired t-test: effect size dz = 1 needs 10 pairs, dz = 0.5 needs 34.
    expect(seedsNeeded(1, 1)).toBe(10);
    expect(seedsNeeded(-0.5, 1)).toBe(34);
    // The quick study's student kNN gain, dz = 1.085: n = 8 gives (2.365 + 0.896) · 0.922 = 3.01 > √8, n = 9 gives 2.95 ≤ 3.
    expect(seedsNeeded(0.023, 0.0212)).toBe(9);
  });

  it('is at least 6 (the permutation test cannot reach p < 0.05 below), and null without an effect', () => {
    expect(seedsNeeded(5, 1)).toBe(6);
    expect(seedsNeeded(1, 0)).toBe(6);
    expect(seedsNeeded(0, 1)).toBeNull();
  });
});

describe('seedsForWidth', () => {
  it('is the fewest seeds whose 95% interval is narrower than the width', () => {
    // SD 1, width 1.5: t(0.975, 8)/3 = 0.769 > 0.75, t(0.975, 9)/√10 = 0.715 < 0.75
    expect(seedsForWidth(1, 1.5)).toBe(10);
    expect(seedsForWidth(0, 1.5)).toBe(2);
  });
});

describe('pairedStats', () => {
  it('calls DoGo better or worse only when the interval excludes 0 and p < 0.05', () => {
    const better = pairedStats([0.01, 0.02, 0.015, 0.03, 0.012, 0.02]);
    expect(better.verdict).toBe('DoGo better');
    expect(better.ci![0]).toBeGreaterThan(0);
    expect(pairedStats([-0.01, -0.02, -0.015, -0.03, -0.012, -0.02]).verdict).toBe('DoGo worse');
    // Two close differences: the t interval excludes 0 but two seeds cannot reach p < 0.05.
    const two = pairedStats([0.02, 0.021]);
    expect(two.ci![0]).toBeGreaterThan(0);
    expect(two.p).toBe(0.5);
    expect(two.verdict).toBe('no detectable difference');
    // All positive with one big outlier: p = 2/64 but the interval includes 0.
    const wide = pairedStats([0.001, 0.001, 0.001, 0.001, 0.001, 0.5]);
    expect(wide.p).toBeLessThan(0.05);
    expect(wide.ci![0]).toBeLessThan(0);
    expect(wide.verdict).toBe('no detectable difference');
  });

  it('reports n, mean, sample SD, and nothing it cannot know from one seed', () => {
    const s = pairedStats([0.038, 0.008]);
    expect(s).toMatchObject({ n: 2, p: 0.5, exact: true, verdict: 'no detectable difference' });
    expect(s.mean).toBeCloseTo(0.023, 15);
    expect(s.sd).toBeCloseTo(0.03 / Math.SQRT2, 15);
    const one = pairedStats([0.02]);
    expect(one).toMatchObject({ n: 1, sd: 0, ci: null, p: 1, seedsNeeded: null, verdict: 'no detectable difference' });
  });
});

describe('holmRejects', () => {
  it('compares the k-th smallest p with alpha / (m - k) and stops at the first that fails', () => {
    // m = 4: thresholds 0.0125, 0.0167, 0.025, 0.05.
    expect(holmRejects([0.01, 0.04, 0.03, 0.005])).toEqual([true, false, false, true]); // 0.03 > 0.025 stops
    expect(holmRejects([0.01, 0.04, 0.02, 0.005])).toEqual([true, true, true, true]);
    expect(holmRejects([0.013, 0.001, 0.002, 0.9])).toEqual([true, true, true, false]);
    // 0.02 fails its threshold 0.0167, so 0.021 stops too, though it is below 0.025.
    expect(holmRejects([0.005, 0.02, 0.021, 0.03])).toEqual([true, false, false, false]);
    // One p of 0.012 among 22 comparisons: below 0.05 alone, far above 0.05 / 22.
    expect(holmRejects([0.012, ...new Array<number>(21).fill(0.3)])).toEqual(new Array<boolean>(22).fill(false));
    expect(holmRejects([])).toEqual([]);
  });
});
