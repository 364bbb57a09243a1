/** The study's stop rule: seed count, interval width after a minimum of seeds, and the time budget. */
import { describe, expect, it } from 'vitest';
import type { EncoderScores } from './study_eval.js';
import type { StudyRun } from './study_result.js';
import { intervalWidth, stopReason, type StopRule } from './study_stop.js';

const scores = (knn: number, label1: number): EncoderScores => ({ knn, linear: 0.7, label10: 0.6, label1, noisy: {}, ood: {} });
/** One run whose student kNN and 1%-label differences (DoGo minus alone) are the given ones, 100 s each. */
const run = (seed: number, dKnn: number, dLabel1: number): StudyRun => ({
  seed, seconds: 100, curves: { dogo: {}, alone: {} },
  dogo: { student: scores(0.6 + dKnn, 0.4 + dLabel1) }, alone: { student: scores(0.6, 0.4) },
});
const target = { metrics: [{ model: 'student', metric: 'kNN' }, { model: 'student', metric: '1% labels' }], width: 0.015, minSeeds: 6 };

describe('intervalWidth', () => {
  it('is twice t(0.975, n-1) · SD/√n of the paired differences', () => {
    const runs = [0.01, 0.02, 0.03].map((d, i) => run(i, d, 0));
    expect(intervalWidth(runs, 'student', 'kNN')).toBeCloseTo(2 * 4.302653 * 0.01 / Math.sqrt(3), 6);
    expect(intervalWidth(runs.slice(0, 1), 'student', 'kNN')).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('stopReason', () => {
  it('stops at the seed count', () => {
    expect(stopReason({ seeds: 2 }, [run(0, 0.01, 0), run(1, 0.02, 0)], 200)).toBe('all 2 seed(s) done');
    expect(stopReason({ seeds: 3 }, [run(0, 0.01, 0), run(1, 0.02, 0)], 200)).toBeNull();
  });

  it('stops on width only from minSeeds on, and only when every target interval is narrow', () => {
    const rule: StopRule = { seeds: 40, target };
    const tight = (n: number) => Array.from({ length: n }, (_, i) => run(i, 0.02 + (i % 2) * 0.002, 0.01 + (i % 2) * 0.002));
    expect(stopReason(rule, tight(5), 500)).toBeNull();
    expect(stopReason(rule, tight(6), 600)).toMatch(/^after 6 seeds the 95% intervals are narrower than 1\.5 points \(student kNN 0\.\d\d, student 1% labels 0\.\d\d\)$/);
    // 1%-label differences spread by ±3 points: its interval stays wide, so the study goes on.
    const wide = Array.from({ length: 8 }, (_, i) => run(i, 0.02, (i % 2 ? 1 : -1) * 0.03));
    expect(stopReason(rule, wide, 800)).toBeNull();
  });

  it('starts no seed that would end after the time budget', () => {
    const rule: StopRule = { seeds: 40, maxMinutes: 10 };
    const runs = [run(0, 0.01, 0), run(1, 0.03, 0)];
    expect(stopReason(rule, runs, 450)).toBeNull(); // 450 + 100 <= 600
    expect(stopReason(rule, runs, 520)).toBe('time budget: another seed (about 1.7 min) would end after 10 min; 2 seed(s) done');
  });
});
