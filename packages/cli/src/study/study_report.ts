/**
 * The study report: for every model and metric, mean and spread over seeds for the DoGo cohort and for the
 * model trained alone, their paired difference with its 95% interval, permutation p-value, verdict and the
 * seeds needed to detect it; Markdown, SVG plots and one JSON of every number. The Markdown is rendered from
 * the same object that is written as JSON, so no number is typed by hand.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { FEW_LABEL_DEFAULTS } from '@dogo/ssl';
import { lineChart, type Series } from '../train/svg_chart.js';
import type { StudyResult } from './study_result.js';
import { ALPHA, STATISTICS_METHOD, holmRejects, type PairedStats } from './study_stats.js';
import { summarize, type MeanStd, type MetricSummary } from './study_summary.js';

export type { StudyResult, StudyRun } from './study_result.js';

const pct = (v: MeanStd) => `${(100 * v.mean).toFixed(2)} ± ${(100 * v.std).toFixed(2)}`;
const signed = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}`;
const pts = (v: MeanStd) => `${signed(v.mean)} ± ${(100 * v.std).toFixed(2)}`;

function statsCells(s: PairedStats): string {
  const ci = s.ci ? `[${signed(s.ci[0])}, ${signed(s.ci[1])}]` : '— (one seed)';
  const p = `${s.p < 0.001 ? s.p.toExponential(1) : s.p.toFixed(3)}${s.exact ? '' : ' (MC)'}`;
  const needed = s.seedsNeeded === null ? '—' : Number.isFinite(s.seedsNeeded) ? String(s.seedsNeeded) : '> 10^9';
  return `${signed(s.mean)} | ${ci} | ${p} | ${s.verdict} | ${needed}`;
}

/** One sentence per model: the metrics whose difference is detectable at this budget, or none. */
function detectable(model: string, rows: MetricSummary[]): string {
  const hits = rows.filter((r) => r.stats.verdict !== 'no detectable difference');
  if (hits.length === 0) return `**${model}**: no detectable difference on any metric at this budget.`;
  return `**${model}**: ${hits.map((r) => `${r.metric} ${r.stats.verdict === 'DoGo better' ? 'better' : 'worse'} with DoGo (${signed(r.stats.mean)} points, 95% CI [${signed(r.stats.ci![0])}, ${signed(r.stats.ci![1])}])`).join('; ')}; no detectable difference on the other metrics.`;
}

/**
 * The report tests every model and metric at once, so some "better" or "worse" verdicts are expected by chance
 * alone: says how many, and which verdicts survive Holm's correction over the whole family.
 */
function multiplicity(models: readonly string[], summary: Record<string, MetricSummary[]>): string {
  const rows = models.flatMap((m) => summary[m]!.map((s) => ({ model: m, s })));
  const hits = rows.filter((r) => r.s.stats.verdict !== 'no detectable difference');
  if (rows.length < 2 || hits.length === 0) return '';
  const kept = holmRejects(rows.map((r) => r.s.stats.p));
  const survivors = rows.filter((r, i) => kept[i] && r.s.stats.verdict !== 'no detectable difference');
  const smallest = Math.min(...rows.map((r) => r.s.stats.p));
  return `Multiple comparisons: this report makes ${rows.length} comparisons (every model and metric), so if DoGo changed nothing about ${(rows.length * ALPHA).toFixed(1)} of them would come out "better" or "worse" at α = ${ALPHA} by chance. ` +
    (survivors.length === 0
      ? `None of the ${hits.length} verdict(s) above survives Holm's correction for the ${rows.length} comparisons (family-wise α = ${ALPHA}: the smallest p, ${smallest.toFixed(3)}, would have to be at most ${(ALPHA / rows.length).toFixed(4)}); read ${hits.length === 1 ? 'it' : 'them'} as chance until another study confirms ${hits.length === 1 ? 'it' : 'them'}.`
      : `After Holm's correction for the ${rows.length} comparisons (family-wise α = ${ALPHA}) these remain: ${survivors.map((r) => `${r.model} ${r.s.metric}`).join(', ')}.`);
}

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
  const family = multiplicity(r.models, summary);
  const md = [
    '# DoGo study',
    '',
    `${r.description}. Data: ${r.data}. Backend: ${r.backend}. Seeds: ${r.runs.map((x) => x.seed).join(', ')}. Wall time ${(r.seconds / 60).toFixed(1)} min on ${r.machine.cores} cores (${r.machine.cpu}, Node ${r.machine.node}).${r.stopped ? ` Stopped: ${r.stopped}.` : ''}`,
    '',
    `Command: \`${r.command}\``,
    '',
    '## Verdict',
    '',
    ...r.models.flatMap((m) => [detectable(m, summary[m]!), '']),
    ...(family ? [family, ''] : []),
    ...(2 / 2 ** r.runs.length >= ALPHA
      ? [`With ${r.runs.length} seed(s) no difference can be detected at all: the permutation test's smallest possible p is ${(2 / 2 ** r.runs.length).toFixed(3)}, not below ${ALPHA}. "Seeds needed" says how many seeds the observed differences would take.`, '']
      : []),
    `Per metric: DoGo minus alone in points, paired by seed, its 95% confidence interval, the p-value of the paired permutation test, the verdict at this budget, and the seeds a paired t-test would need to detect the observed difference (power 0.8, α = ${ALPHA}). ${STATISTICS_METHOD}`,
    '',
    ...r.models.flatMap((m) => [
      `### ${m}`,
      '',
      '| metric | DoGo − alone | 95% CI | p | verdict | seeds needed |',
      '| --- | --- | --- | --- | --- | --- |',
      ...summary[m]!.map((s) => `| ${s.metric} | ${statsCells(s.stats)} |`),
      '',
    ]),
    '## Scores',
    '',
    `Top-1 accuracy in %, mean ± sample standard deviation over seeds. "DoGo": trained in the cohort; "alone": the same model and budget trained by itself; "diff": DoGo minus alone, paired by seed, in points. 10% and 1% labels: a linear probe on a class-balanced share of the training labels, trained to its plateau (${FEW_LABEL_DEFAULTS.maxSteps} steps, or ${FEW_LABEL_DEFAULTS.maxEpochs} epochs if fewer) with nothing held out, averaged over label subsets drawn from the seed (as many as hold ${FEW_LABEL_DEFAULTS.labelledRows} labelled rows together, at least ${FEW_LABEL_DEFAULTS.minSubsets}: \`fewLabelProbe\`). Noisy: symmetric label noise on the training labels, clean test labels. Shift: the probe trained on clean features, tested on a corrupted test set (corruption/severity).`,
    '',
    ...r.models.flatMap((m) => [
      `### ${m}`,
      '',
      '| metric | DoGo | alone | diff |',
      '| --- | --- | --- | --- |',
      ...summary[m]!.map((s) => `| ${s.metric} | ${pct(s.dogo)} | ${pct(s.alone)} | ${pts(s.diff)} |`),
      '',
    ]),
    '## Plots',
    '',
    ...plots.flatMap((p) => [p, '']),
    'Every number: study.json in this folder (`dogo study --render DIR` re-renders this report from it).',
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'README.md'), md);
  return path.join(dir, 'README.md');
}
