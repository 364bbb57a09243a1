/**
 * When a study stops adding seeds: at its seed count, as soon as the 95% intervals of its target metrics are
 * narrow enough (after a minimum number of seeds), or when the next seed would overrun its time budget. Pure:
 * reads the runs so far, decides nothing else.
 */
import { flattenScores, type StudyRun } from './study_result.js';
import { tInterval } from './study_stats.js';

export interface StopTarget {
  /** model/metric pairs whose paired-difference interval must be narrow, e.g. student/kNN, student/1% labels. */
  metrics: { model: string; metric: string }[];
  /** Full width of the 95% interval, as a fraction (0.015: 1.5 points). */
  width: number;
  /** Never stop on width before this many seeds (6: the fewest at which the permutation test can reach p < 0.05). */
  minSeeds: number;
}

export interface StopRule {
  seeds: number;
  target?: StopTarget;
  /** Wall-time budget: no seed starts that would end after it (by the mean duration of the seeds so far). */
  maxMinutes?: number;
}

/** Full width of the 95% interval of DoGo minus alone for one model and metric; Infinity below two seeds. */
export function intervalWidth(runs: StudyRun[], model: string, metric: string): number {
  const diffs = runs.map((r) => flattenScores(r.dogo[model]!)[metric]! - flattenScores(r.alone[model]!)[metric]!);
  const ci = tInterval(diffs);
  return ci ? ci[1] - ci[0] : Number.POSITIVE_INFINITY;
}

/** Why to stop after these runs, or null to run another seed. */
export function stopReason(rule: StopRule, runs: StudyRun[], elapsedSeconds: number): string | null {
  const n = runs.length;
  if (n >= rule.seeds) return `all ${rule.seeds} seed(s) done`;
  const t = rule.target;
  if (t && n >= t.minSeeds) {
    const widths = t.metrics.map((m) => ({ ...m, w: intervalWidth(runs, m.model, m.metric) }));
    if (widths.every((w) => w.w < t.width)) {
      return `after ${n} seeds the 95% intervals are narrower than ${(100 * t.width).toFixed(1)} points (${widths.map((w) => `${w.model} ${w.metric} ${(100 * w.w).toFixed(2)}`).join(', ')})`;
    }
  }
  if (rule.maxMinutes !== undefined && n > 0) {
    const perSeed = runs.reduce((a, r) => a + r.seconds, 0) / n;
    if (elapsedSeconds + perSeed > rule.maxMinutes * 60) return `time budget: another seed (about ${(perSeed / 60).toFixed(1)} min) would end after ${rule.maxMinutes} min; ${n} seed(s) done`;
  }
  return null;
}
