#!/usr/bin/env node
// How much of a study's few-label spread is the linear probe itself? On ONE fixed encoder (an exported file of
// `dogo export`), with the decide preset's data (the first 500 training images of each class of Fashion-MNIST,
// the full 10000-image test set), scores the 1% and 10% label probes R times, changing only the probe's seed
// (its held-out split and shuffling; the label subset stays fixed), for the study's probe (30 epochs, 15% held
// out to pick the epoch) and for variants. The SD over probe seeds is noise that a study's paired difference
// (DoGo minus alone, each probed once) carries twice: sqrt(2) x SD. Also gives the SD over label subsets.
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
import { balancedSubset, extractFeatures, linearProbe, selectRows } from '@dogo/ssl';
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
const variants = [
  { name: "study's probe: 30 epochs, 15% held out", epochs: 30, holdout: 0.15 },
  { name: '30 epochs, nothing held out (last epoch)', epochs: 30, holdout: 0 },
  { name: '300 epochs, nothing held out', epochs: 300, holdout: 0 },
];
console.log('\n| labels | probe | vary | mean acc (%) | SD (points) | sqrt(2) x SD |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const fraction of [0.01, 0.1]) {
  for (const v of variants) {
    const rows = selectRows(train, balancedSubset(train.labels, classes, fraction, 0));
    const bySeed = Array.from({ length: repeats }, (_, s) => 100 * linearProbe(rows, test, { classes, epochs: v.epochs, holdout: v.holdout, seed: 1000 + s }).accuracy);
    const a = sd(bySeed);
    console.log(`| ${fraction * 100}% | ${v.name} | probe seed | ${a.mean.toFixed(2)} | ${a.sd.toFixed(2)} | ${(Math.SQRT2 * a.sd).toFixed(2)} |`);
  }
  const v = variants[0];
  const bySubset = Array.from({ length: repeats }, (_, s) => 100 * linearProbe(selectRows(train, balancedSubset(train.labels, classes, fraction, 1000 + s)), test, { classes, epochs: v.epochs, holdout: v.holdout, seed: 0 }).accuracy);
  const b = sd(bySubset);
  console.log(`| ${fraction * 100}% | ${v.name} | label subset | ${b.mean.toFixed(2)} | ${b.sd.toFixed(2)} | ${(Math.SQRT2 * b.sd).toFixed(2)} |`);
}
