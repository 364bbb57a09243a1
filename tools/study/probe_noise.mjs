#!/usr/bin/env node
// How much of a study's few-label spread is the linear probe itself? On ONE fixed encoder (an exported file of
// `dogo export`), with the decide preset's data (the first 500 training images of each class of Fashion-MNIST,
// the full 10000-image test set), scores the 1% and 10% label probes R times: the probe the study used until
// 2026-12 (30 epochs, 15% held out to pick the epoch) and fewLabelProbe's (its default step budget, nothing held
// out), changing only the probe's seed (its split and shuffling; the label subset fixed), then changing the label
// subset, then fewLabelProbe as the study calls it (its default number of subsets averaged). The SD over probe seeds is noise that a
// study's paired difference (DoGo minus alone, each probed once) carries twice: sqrt(2) x SD. Last, the test
// accuracy of one probe against its step budget (where it stops improving).
//
//   node packages/cli/dist/main.js export RUN_DIR --model student --out /tmp/student.safetensors
//   node tools/study/probe_noise.mjs /tmp/student.safetensors [--repeats 20] [--data DIR]
//
// Needs `npm run build`. Prints a table; writes nothing.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { firstPerClass } from '@dogo/data';
import { loadFashionMnist } from '@dogo/data/node';
import { readEncoderFile } from '@dogo/nn';
import { FEW_LABEL_DEFAULTS, balancedSubset, extractFeatures, fewLabelBudget, fewLabelProbe, linearProbe, selectRows } from '@dogo/ssl';
import { createBackend } from '@dogo/node';

const { values: opt, positionals } = parseArgs({ allowPositionals: true, options: { repeats: { type: 'string', default: '20' }, data: { type: 'string' } } });
if (positionals.length !== 1) {
  console.error('usage: node tools/study/probe_noise.mjs ENCODER.safetensors [--repeats R] [--data DIR]');
  process.exit(2);
}
const repeats = Number(opt.repeats);
if (!Number.isInteger(repeats) || repeats < 2) {
  console.error(`--repeats expects an integer >= 2, got "${opt.repeats}"`);
  process.exit(2);
}
const file = positionals[0];
const { encoder, description, read } = readEncoderFile(new Uint8Array(readFileSync(file)), file);
const fm = await loadFashionMnist(opt.data);
const trainData = firstPerClass(fm.train, 500);
const backend = await createBackend('wasm');
const t0 = performance.now();
const train = await extractFeatures(backend, encoder, read.values, trainData, description.normalization);
const test = await extractFeatures(backend, encoder, read.values, fm.test, description.normalization);
console.log(`features: ${train.count} train, ${test.count} test, dim ${train.dim} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
const classes = trainData.classes.length;

const sd = (xs) => {
  const m = xs.reduce((a, x) => a + x, 0) / xs.length;
  return { mean: m, sd: Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) };
};
const timed = (f) => {
  const t = performance.now();
  const value = f();
  return { value, s: (performance.now() - t) / 1000 };
};
const row = (labels, probe, vary, xs, seconds) => {
  const a = sd(xs);
  console.log(`| ${labels} | ${probe} | ${vary} | ${a.mean.toFixed(2)} | ${a.sd.toFixed(2)} | ${(Math.SQRT2 * a.sd).toFixed(2)} | ${seconds.toFixed(2)} |`);
};
const fixedSubset = (fraction) => selectRows(train, balancedSubset(train.labels, classes, fraction, 0));

// 1. The old study probe against fewLabelProbe's probe, on one fixed subset, varying only the probe's seed.
// 2. Label subsets: the spread one subset adds, and what fewLabelProbe's average over its subsets leaves.
console.log('\n| labels | probe | vary | mean acc (%) | SD (points) | sqrt(2) x SD | s per call |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const fraction of [0.01, 0.1]) {
  const rows = fixedSubset(fraction);
  const old = Array.from({ length: repeats }, (_, s) => timed(() => 100 * linearProbe(rows, test, { classes, epochs: 30, holdout: 0.15, seed: 1000 + s }).accuracy));
  row(`${fraction * 100}%`, 'old: 30 epochs, 15% held out', 'probe seed', old.map((r) => r.value), old[0].s);
  const budget = fewLabelBudget(rows.count);
  const one = Array.from({ length: repeats }, (_, s) => timed(() => 100 * linearProbe(rows, test, { classes, steps: budget.steps, weightDecay: FEW_LABEL_DEFAULTS.weightDecay, holdout: 0, seed: 1000 + s }).accuracy));
  row(`${fraction * 100}%`, `fewLabelProbe, ${budget.steps} steps, 1 subset`, 'probe seed', one.map((r) => r.value), one[0].s);
  const bySubset = Array.from({ length: repeats }, (_, d) => timed(() => 100 * fewLabelProbe(train, test, { classes, fraction, seed: 1000 + d, subsets: 1 }).accuracy));
  row(`${fraction * 100}%`, 'fewLabelProbe, 1 subset', 'label subset', bySubset.map((r) => r.value), bySubset[0].s);
  const averaged = Array.from({ length: repeats }, (_, d) => timed(() => 100 * fewLabelProbe(train, test, { classes, fraction, seed: 1000 + d }).accuracy));
  row(`${fraction * 100}%`, `fewLabelProbe (${budget.subsets} subsets averaged)`, 'label subsets', averaged.map((r) => r.value), averaged[0].s);
}

// 3. Convergence: test accuracy of the few-label probe (one subset) against its step budget.
console.log('\n| labels | steps | acc (%) |');
console.log('| --- | --- | --- |');
for (const fraction of [0.01, 0.1]) {
  const rows = fixedSubset(fraction);
  for (const steps of [250, 500, 1000, 2000, 4000, 8000]) {
    console.log(`| ${fraction * 100}% | ${steps} | ${(100 * linearProbe(rows, test, { classes, steps, weightDecay: FEW_LABEL_DEFAULTS.weightDecay, holdout: 0, seed: 0 }).accuracy).toFixed(2)} |`);
  }
}
