/**
 * `dogo study` end to end on a tiny dataset and the reference backend: one seed, the cohort and each model
 * alone, every evaluation; the report's numbers are those of the study.json the run wrote.
 */
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTinyDataset } from '../train/test_tiny_dataset.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const main = path.join(root, 'packages/cli/dist/main.js');

it('runs the cohort and each model alone, and reports mean, spread and difference from its JSON', async () => {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first (npm test does)`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'dogo-study-'));
  const data = path.join(work, 'data');
  mkdirSync(data);
  await writeTinyDataset(data);
  const adam = { kind: 'adam', lr: 3e-3, weightDecay: 1e-6, schedule: 'constant' };
  const cfg = path.join(work, 'study.json');
  writeFileSync(cfg, JSON.stringify({
    data: `fashion-mnist:${data}`, backend: 'reference', batchSize: 16, epochs: 2, knnK: 10,
    models: [
      { name: 'student', arch: 'resnet-small', stages: [4], blocks: 1, lambda: 10, optimizer: adam, headHidden: 8, headOut: 8 },
      { name: 'peer', arch: 'resnet-small', stages: [8], blocks: 1, lambda: 1, optimizer: adam, headHidden: 8, headOut: 8 },
    ],
  }));
  const out = path.join(work, 'report');
  const r = spawnSync(process.execPath, [main, 'study', '--config', cfg, '--seeds', '2', '--out', out, '--ood-data', `fashion-mnist:${data}`], { encoding: 'utf8', timeout: 600_000 });
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  const study = JSON.parse(readFileSync(path.join(out, 'study.json'), 'utf8'));
  expect(study.runs.map((x: { seed: number }) => x.seed)).toEqual([0, 1]);
  const md = readFileSync(path.join(out, 'README.md'), 'utf8');
  for (const m of ['student', 'peer']) {
    const run = study.runs[0];
    for (const scores of [run.dogo[m], run.alone[m]]) {
      for (const v of [scores.knn, scores.linear, scores.label10, scores.label1, ...Object.values(scores.noisy), ...Object.values(scores.ood)] as number[]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      expect(Object.keys(scores.noisy)).toEqual(['20%', '40%', '60%']);
      // Four corruptions at one severity, and the --ood-data test split.
      expect(Object.keys(scores.ood).sort()).toEqual([`dataset fashion-mnist:${data}`, 'contrast/3', 'elastic/3', 'gaussian_blur/3', 'gaussian_noise/3'].sort());
    }
    const knn = study.summary[m].find((s: { metric: string }) => s.metric === 'kNN');
    const mean = (run.dogo[m].knn + study.runs[1].dogo[m].knn) / 2;
    expect(knn.dogo.mean).toBeCloseTo(mean, 12);
    expect(knn.diff.mean).toBeCloseTo(mean - (run.alone[m].knn + study.runs[1].alone[m].knn) / 2, 12);
    const row = `| kNN | ${(100 * knn.dogo.mean).toFixed(2)} ± ${(100 * knn.dogo.std).toFixed(2)} | ${(100 * knn.alone.mean).toFixed(2)} ± ${(100 * knn.alone.std).toFixed(2)} |`;
    expect(md).toContain(row);
    expect(readFileSync(path.join(out, `knn-${m}.svg`), 'utf8')).toContain('<svg');
  }
}, 600_000);
