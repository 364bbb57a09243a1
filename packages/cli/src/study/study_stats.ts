/**
 * The study's statistics on paired differences (DoGo minus alone, one per seed): mean, sample SD, a 95%
 * confidence interval from Student's t, an exact sign-flip permutation test, a verdict, and how many seeds
 * a paired t-test would need to detect the observed effect. Pure numbers, no I/O; the rules are stated in
 * STATISTICS_METHOD, which the report prints.
 */
import { Rng } from '@dogo/core';
import { studentTQuantile } from './student_t.js';

/** Two-sided significance level of the interval, the test and the sample-size estimate. */
export const ALPHA = 0.05;
/** Power of the sample-size estimate. */
export const POWER = 0.8;
/** Up to this many seeds the permutation test enumerates every sign pattern (2^n of them). */
export const EXACT_PERMUTATION_MAX = 20;
/** Random sign patterns drawn above EXACT_PERMUTATION_MAX seeds. */
const MONTE_CARLO_DRAWS = 200_000;

export type Verdict = 'DoGo better' | 'no detectable difference' | 'DoGo worse';

export interface PairedStats {
  /** Number of seeds (pairs). */
  n: number;
  mean: number;
  /** Sample standard deviation of the differences (n - 1 in the denominator); 0 for one seed. */
  sd: number;
  /** 95% confidence interval of the mean difference (Student t, n - 1 df); null for one seed. */
  ci: [number, number] | null;
  /** Two-sided p-value of the sign-flip permutation test; 1 for one seed. */
  p: number;
  /** Whether p enumerates every sign pattern (else a seeded Monte Carlo estimate). */
  exact: boolean;
  verdict: Verdict;
  /** Seeds a paired t-test needs to detect the observed mean with the observed SD (see seedsNeeded); null when the mean is 0. */
  seedsNeeded: number | null;
}

export const STATISTICS_METHOD = [
  `Differences are paired by seed (DoGo minus alone, same seed, so the same initialisation of each model and data order). ` +
    `CI: mean ± t(${1 - ALPHA / 2}, n−1) · SD/√n, Student's t with n−1 degrees of freedom. ` +
    `p: exact two-sided sign-flip permutation test of the mean difference (every one of the 2^n sign patterns of the n differences; ` +
    `with n seeds the smallest possible p is 2/2^n, so fewer than 6 seeds can never reach p < ${ALPHA}). ` +
    `Verdict: "DoGo better" (or "DoGo worse") when the 95% CI excludes 0 and p < ${ALPHA}, both; otherwise "no detectable difference" at this budget. ` +
    `Seeds needed: the smallest n ≥ 6 with (t(${1 - ALPHA / 2}, n−1) + t(${POWER}, n−1)) · SD/|mean| ≤ √n, ` +
    `the usual sample-size formula of a paired t-test with power ${POWER} at two-sided α = ${ALPHA}, taking the observed mean and SD as the truth ` +
    `(with two or three seeds the SD itself is very uncertain, so read it as an order of magnitude).`,
].join('');

/** Mean and sample standard deviation. */
export function meanSd(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
}

/** The 100(1-alpha)% Student-t interval of the mean of xs; null with fewer than two values. */
export function tInterval(xs: number[], alpha = ALPHA): [number, number] | null {
  if (xs.length < 2) return null;
  const { mean, sd } = meanSd(xs);
  const half = studentTQuantile(1 - alpha / 2, xs.length - 1) * sd / Math.sqrt(xs.length);
  return [mean - half, mean + half];
}

/**
 * Two-sided sign-flip permutation test of mean(d) = 0: the share of sign patterns s with |Σ s_i d_i| at least
 * |Σ d_i|. Exact up to EXACT_PERMUTATION_MAX values (the observed pattern counts, so p >= 2/2^n when no
 * difference is 0); above that a Monte Carlo estimate from a fixed seed.
 */
export function signFlipTest(d: number[]): { p: number; exact: boolean } {
  const n = d.length;
  if (n === 0) return { p: 1, exact: true };
  const observed = Math.abs(d.reduce((a, b) => a + b, 0));
  // Sums equal to the observed one up to rounding count as "at least as extreme".
  const threshold = observed - 1e-12 * Math.max(1, d.reduce((a, b) => a + Math.abs(b), 0));
  if (n <= EXACT_PERMUTATION_MAX) {
    let count = 0;
    const total = 2 ** n;
    for (let mask = 0; mask < total; mask++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += mask & (1 << i) ? -d[i]! : d[i]!;
      if (Math.abs(s) >= threshold) count++;
    }
    return { p: count / total, exact: true };
  }
  const rng = new Rng(20260101);
  let count = 1; // the observed pattern, so the estimate is never 0
  for (let k = 0; k < MONTE_CARLO_DRAWS; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += rng.uniform() < 0.5 ? -d[i]! : d[i]!;
    if (Math.abs(s) >= threshold) count++;
  }
  return { p: count / (MONTE_CARLO_DRAWS + 1), exact: false };
}

/**
 * Seeds a paired t-test needs to detect a true mean difference `mean` when differences have SD `sd`: the
 * smallest n >= minimum with (t(1-alpha/2, n-1) + t(power, n-1)) * sd / |mean| <= sqrt(n). Null when mean is 0;
 * the minimum when sd is 0.
 */
export function seedsNeeded(mean: number, sd: number, o: { alpha?: number; power?: number; minimum?: number } = {}): number | null {
  const alpha = o.alpha ?? ALPHA;
  const power = o.power ?? POWER;
  const minimum = Math.max(2, o.minimum ?? 6);
  if (mean === 0) return null;
  const ratio = sd / Math.abs(mean);
  const enough = (n: number) => (studentTQuantile(1 - alpha / 2, n - 1) + studentTQuantile(power, n - 1)) * ratio <= Math.sqrt(n);
  if (enough(minimum)) return minimum;
  // The left side shrinks and the right grows with n: double, then bisect.
  let lo = minimum;
  let hi = minimum * 2;
  while (!enough(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > 1e9) return Number.POSITIVE_INFINITY;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (enough(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Seeds for a 100(1-alpha)% t interval narrower than `width` (full width) when differences have SD sd. */
export function seedsForWidth(sd: number, width: number, alpha = ALPHA): number {
  let n = 2;
  while (2 * studentTQuantile(1 - alpha / 2, n - 1) * sd / Math.sqrt(n) >= width) n++;
  return n;
}

/**
 * Holm's step-down procedure over a family of p-values: which hypotheses it rejects at family-wise error
 * rate `alpha`. Sorted ascending, p_(i) is compared with alpha / (m - i) (i from 0) until the first that fails;
 * it and every larger p are kept. Controls the chance of any false "better" or "worse" across the family,
 * whatever the dependence between the tests; uniformly more powerful than Bonferroni.
 */
export function holmRejects(ps: readonly number[], alpha = ALPHA): boolean[] {
  const m = ps.length;
  const order = ps.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const rejected = new Array<boolean>(m).fill(false);
  for (let k = 0; k < m; k++) {
    if (order[k]![0] > alpha / (m - k)) break;
    rejected[order[k]![1]] = true;
  }
  return rejected;
}

/** Everything the report says about one metric's paired differences. */
export function pairedStats(diffs: number[]): PairedStats {
  const n = diffs.length;
  const { mean, sd } = meanSd(diffs);
  const ci = tInterval(diffs);
  const { p, exact } = signFlipTest(diffs);
  const excludesZero = ci !== null && (ci[0] > 0 || ci[1] < 0);
  const verdict: Verdict = excludesZero && p < ALPHA ? (mean > 0 ? 'DoGo better' : 'DoGo worse') : 'no detectable difference';
  return { n, mean, sd, ci, p, exact, verdict, seedsNeeded: n < 2 ? null : seedsNeeded(mean, sd) };
}
