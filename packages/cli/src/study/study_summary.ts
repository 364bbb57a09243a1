/**
 * Per model and metric: mean and sample standard deviation over seeds of the cohort's and the lone model's
 * scores, and the statistics of their paired difference (study_stats.ts). Derived from a StudyResult only.
 */
import { flattenScores, type StudyResult } from './study_result.js';
import { meanSd, pairedStats, type PairedStats } from './study_stats.js';

export interface MeanStd { mean: number; std: number }

export interface MetricSummary {
  metric: string;
  dogo: MeanStd;
  alone: MeanStd;
  /** DoGo minus alone, paired by seed: mean and sample SD. */
  diff: MeanStd;
  /** The paired difference's interval, test, verdict and seeds needed (accuracies as fractions). */
  stats: PairedStats;
}

export function meanStd(xs: number[]): MeanStd {
  const { mean, sd } = meanSd(xs);
  return { mean, std: sd };
}

/** Per model, per metric (in the order of the first seed's scores). */
export function summarize(r: StudyResult): Record<string, MetricSummary[]> {
  const out: Record<string, MetricSummary[]> = {};
  for (const m of r.models) {
    const metrics = Object.keys(flattenScores(r.runs[0]!.dogo[m]!));
    out[m] = metrics.map((metric) => {
      const d = r.runs.map((run) => flattenScores(run.dogo[m]!)[metric]!);
      const a = r.runs.map((run) => flattenScores(run.alone[m]!)[metric]!);
      const diffs = d.map((x, i) => x - a[i]!);
      return { metric, dogo: meanStd(d), alone: meanStd(a), diff: meanStd(diffs), stats: pairedStats(diffs) };
    });
  }
  return out;
}
