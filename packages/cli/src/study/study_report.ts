/**
 * The study report: for every model and metric, mean and spread over seeds for the DoGo cohort and for the
 * model trained alone, and their difference; Markdown, SVG plots and one JSON of every number. The Markdown is
 * rendered from the same object that is written as JSON, so no number is typed by hand.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { lineChart, type Series } from '../train/svg_chart.js';
import type { EncoderScores } from './study_eval.js';

export interface StudyRun {
  seed: number;
  /** model -> scores, trained in the cohort. */
  dogo: Record<string, EncoderScores>;
  /** model -> scores, trained alone with the same budget. */
  alone: Record<string, EncoderScores>;
  /** kNN curves by epoch, per model, cohort and alone. */
  curves: { dogo: Record<string, [number, number][]>; alone: Record<string, [number, number][]> };
  seconds: number;
}

export interface StudyResult {
  command: string;
  preset: string;
  description: string;
  data: string;
  backend: string;
  models: string[];
  runs: StudyRun[];
  /** Total wall time in seconds. */
  seconds: number;
  machine: { cores: number; node: string; cpu: string };
}

function flatten(s: EncoderScores): Record<string, number> {
  const out: Record<string, number> = { kNN: s.knn, linear: s.linear, '10% labels': s.label10, '1% labels': s.label1 };
  for (const [k, v] of Object.entries(s.noisy)) out[`noisy ${k}`] = v;
  for (const [k, v] of Object.entries(s.ood)) out[`shift ${k}`] = v;
  return out;
}

export function meanStd(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, std };
}

export interface MetricSummary { metric: string; dogo: { mean: number; std: number }; alone: { mean: number; std: number }; diff: { mean: number; std: number } }

/** Per model, per metric: mean and sample std over seeds of DoGo, alone, and the paired difference. */
export function summarize(r: StudyResult): Record<string, MetricSummary[]> {
  const out: Record<string, MetricSummary[]> = {};
  for (const m of r.models) {
    const metrics = Object.keys(flatten(r.runs[0]!.dogo[m]!));
    out[m] = metrics.map((metric) => {
      const d = r.runs.map((run) => flatten(run.dogo[m]!)[metric]!);
      const a = r.runs.map((run) => flatten(run.alone[m]!)[metric]!);
      return { metric, dogo: meanStd(d), alone: meanStd(a), diff: meanStd(d.map((x, i) => x - a[i]!)) };
    });
  }
  return out;
}

const pct = (v: { mean: number; std: number }) => `${(100 * v.mean).toFixed(2)} ± ${(100 * v.std).toFixed(2)}`;
const pts = (v: { mean: number; std: number }) => `${v.mean >= 0 ? '+' : ''}${(100 * v.mean).toFixed(2)} ± ${(100 * v.std).toFixed(2)}`;

export function writeStudyReport(dir: string, r: StudyResult): string {
  const summary = summarize(r);
  writeFileSync(path.join(dir, 'study.json'), JSON.stringify({ ...r, summary }, null, 2));
  const plots: string[] = [];
  for (const m of r.models) {
    const series: Series[] = [];
    r.runs.forEach((run) => {
      series.push({ name: `DoGo seed ${run.seed}`, points: run.curves.dogo[m]!.map(([e, a]) => [e, 100 * a]) });
      series.push({ name: `alone seed ${run.seed}`, points: run.curves.alone[m]!.map(([e, a]) => [e, 100 * a]) });
    });
    const file = `knn-${m}.svg`;
    writeFileSync(path.join(dir, file), lineChart(`${m}: kNN accuracy (%)`, 'epoch', series));
    plots.push(`![${m} kNN accuracy](${file})`);
    const bars: Series[] = [
      { name: 'DoGo', points: summary[m]!.map((s, i) => [i, 100 * s.dogo.mean]) },
      { name: 'alone', points: summary[m]!.map((s, i) => [i, 100 * s.alone.mean]) },
    ];
    const metricsFile = `metrics-${m}.svg`;
    writeFileSync(path.join(dir, metricsFile), lineChart(`${m}: accuracy (%) per metric (x: ${summary[m]!.map((s, i) => `${i} ${s.metric}`).join(', ')})`, 'metric index', bars, 900, 340));
    plots.push(`![${m} accuracy per metric](${metricsFile})`);
  }
  const md = [
    '# DoGo study',
    '',
    `${r.description}. Data: ${r.data}. Backend: ${r.backend}. Seeds: ${r.runs.map((x) => x.seed).join(', ')}. Wall time ${(r.seconds / 60).toFixed(1)} min on ${r.machine.cores} cores (${r.machine.cpu}, Node ${r.machine.node}).`,
    '',
    `Command: \`${r.command}\``,
    '',
    'Top-1 accuracy in %, mean ± sample standard deviation over seeds. "DoGo": trained in the cohort; "alone": the same model and budget trained by itself; "diff": DoGo minus alone, paired by seed, in points. Noisy: symmetric label noise on the training labels, clean test labels. Shift: the probe trained on clean features, tested on a corrupted test set (corruption/severity).',
    '',
    ...r.models.flatMap((m) => [
      `## ${m}`,
      '',
      '| metric | DoGo | alone | diff |',
      '| --- | --- | --- | --- |',
      ...summary[m]!.map((s) => `| ${s.metric} | ${pct(s.dogo)} | ${pct(s.alone)} | ${pts(s.diff)} |`),
      '',
    ]),
    '## Plots',
    '',
    ...plots.flatMap((p) => [p, '']),
    'Every number: study.json in this folder.',
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'README.md'), md);
  return path.join(dir, 'README.md');
}
