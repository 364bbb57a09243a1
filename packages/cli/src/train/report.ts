/**
 * The end-of-run report: Markdown with SVG loss and kNN curves and a table of every model's accuracy, and
 * with --baseline the same model trained alone beside it. Every number comes from the run's results, which
 * are also written as results.json.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { lineChart, type Series } from './svg_chart.js';
import type { RunResult } from './train_run.js';
import type { TrainConfig } from './train_config.js';

export interface ReportInput {
  config: TrainConfig;
  dataDescription: string;
  backendName: string;
  cohort: RunResult;
  /** Model name -> the same model trained alone. */
  baselines: Record<string, RunResult>;
  command: string;
}

const pct = (v: number | undefined) => (v === undefined ? '-' : `${(100 * v).toFixed(2)}%`);
const diff = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '-' : `${a >= b ? '+' : ''}${(100 * (a - b)).toFixed(2)}`);

function smooth(points: [number, number][], window: number): [number, number][] {
  return points.map(([x], i) => {
    const lo = Math.max(0, i - window + 1);
    const seg = points.slice(lo, i + 1);
    return [x, seg.reduce((s, p) => s + p[1], 0) / seg.length];
  });
}

export function writeReport(dir: string, r: ReportInput): string {
  const names = r.config.models.map((m) => m.name);
  const win = Math.max(1, Math.round(r.cohort.steps.length / 50));
  const lossSeries: Series[] = names.flatMap((n) => {
    const parts: Series[] = [{ name: `${n} NT-Xent`, points: smooth(r.cohort.steps.map((s) => [s.step, s.losses[n]!.ssl]), win) }];
    if (names.length > 1) parts.push({ name: `${n} KD (x lambda)`, points: smooth(r.cohort.steps.map((s) => [s.step, (s.losses[n]!.kd ?? 0) * (r.config.models.find((m) => m.name === n)!.lambda)]), win) });
    return parts;
  });
  for (const [n, b] of Object.entries(r.baselines)) lossSeries.push({ name: `${n} alone NT-Xent`, points: smooth(b.steps.map((s) => [s.step, s.losses[n]!.ssl]), win) });
  writeFileSync(path.join(dir, 'loss.svg'), lineChart('Training loss (moving average)', 'step', lossSeries));
  const knnSeries: Series[] = names.map((n) => ({ name: `${n} (DoGo)`, points: r.cohort.knnCurve.map((k) => [k.epoch, 100 * (k.acc[n] ?? NaN)]) }));
  for (const [n, b] of Object.entries(r.baselines)) knnSeries.push({ name: `${n} alone`, points: b.knnCurve.map((k) => [k.epoch, 100 * (k.acc[n] ?? NaN)]) });
  writeFileSync(path.join(dir, 'knn.svg'), lineChart('kNN accuracy (%)', 'epoch', knnSeries));

  const rows = names.map((n) => {
    const d = r.cohort.final[n];
    const b = r.baselines[n]?.final[n];
    return `| ${n} | ${pct(d?.knn)} | ${pct(b?.knn)} | ${diff(d?.knn, b?.knn)} | ${pct(d?.linear)} | ${pct(b?.linear)} | ${diff(d?.linear, b?.linear)} | ${pct(d?.label10)} | ${pct(b?.label10)} | ${pct(d?.label1)} | ${pct(b?.label1)} |`;
  });
  const md = [
    `# dogo train report`,
    '',
    `Data: ${r.dataDescription}. Backend: ${r.backendName}. Seed ${r.config.seed}, batch ${r.config.batchSize}, ${r.cohort.steps.length} steps, ${r.cohort.imagesPerSecond.toFixed(1)} images/s (cohort), ${r.cohort.seconds.toFixed(0)} s.`,
    '',
    `Command: \`${r.command}\``,
    '',
    '## Accuracy (top-1 on the test split)',
    '',
    'DoGo: trained in the cohort; alone: the same model and budget trained by itself (`--baseline`); difference in points.',
    '',
    '| model | kNN DoGo | kNN alone | diff | linear DoGo | linear alone | diff | 10% labels DoGo | 10% alone | 1% labels DoGo | 1% alone |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '## Curves',
    '',
    '![loss](loss.svg)',
    '',
    '![kNN accuracy](knn.svg)',
    '',
    'Numbers: results.json and metrics.jsonl in this folder.',
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'report.md'), md);
  writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ config: r.config, data: r.dataDescription, backend: r.backendName, cohort: { final: r.cohort.final, knnCurve: r.cohort.knnCurve, imagesPerSecond: r.cohort.imagesPerSecond, seconds: r.cohort.seconds }, baselines: Object.fromEntries(Object.entries(r.baselines).map(([k, v]) => [k, { final: v.final, knnCurve: v.knnCurve, imagesPerSecond: v.imagesPerSecond, seconds: v.seconds }])) }, null, 2));
  return path.join(dir, 'report.md');
}
