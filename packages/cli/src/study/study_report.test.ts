/** The report's multiplicity paragraph: how many verdicts chance alone would give, and which survive Holm. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EncoderScores } from './study_eval.js';
import { writeStudyReport, type StudyResult } from './study_report.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** 8 seeds of one model: kNN always 2 points better with DoGo (p = 2/2^8), `extra` shifted metrics with alternating signs. */
function study(extra: number): StudyResult {
  const scores = (seed: number, knn: number): EncoderScores => ({
    knn, linear: 0.7 + 0.001 * (seed % 3), label10: 0.6, label1: 0.4, noisy: {},
    ood: Object.fromEntries(Array.from({ length: extra }, (_, i) => [`shift${i}`, 0.5 + ((seed + i) % 2 ? 0.01 : -0.01) * (seed + 1)])),
  });
  const runs = Array.from({ length: 8 }, (_, seed) => ({
    seed, seconds: 1,
    dogo: { student: scores(seed, 0.62 + 0.001 * seed) }, alone: { student: { ...scores(seed, 0.6), ood: scores(seed + 1, 0).ood } },
    curves: { dogo: { student: [[1, 0.62]] as [number, number][] }, alone: { student: [[1, 0.6]] as [number, number][] } },
  }));
  return { command: 'test', preset: 'test', description: 'synthetic', data: 'none', backend: 'reference', models: ['student'], runs, seconds: 8, machine: { cores: 2, node: 'v20', cpu: 'test' } };
}

function report(r: StudyResult): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dogo-study-report-'));
  dirs.push(dir);
  return readFileSync(writeStudyReport(dir, r), 'utf8');
}

describe('study report: multiple comparisons', () => {
  it('keeps a verdict that survives Holm over a small family', () => {
    const md = report(study(0));
    expect(md).toContain('**student**: kNN better with DoGo');
    expect(md).toContain('this report makes 4 comparisons');
    expect(md).toContain("After Holm's correction for the 4 comparisons (family-wise α = 0.05) these remain: student kNN.");
  });

  it('calls the same verdict chance when the family is large', () => {
    const md = report(study(20));
    expect(md).toContain('**student**: kNN better with DoGo');
    expect(md).toContain('this report makes 24 comparisons (every model and metric), so if DoGo changed nothing about 1.2 of them would come out');
    expect(md).toMatch(/None of the \d+ verdict\(s\) above survives Holm's correction for the 24 comparisons \(family-wise α = 0\.05: the smallest p, 0\.008, would have to be at most 0\.0021\)/);
  });
});
