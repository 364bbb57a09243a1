/**
 * `dogo study` end to end on a tiny dataset and the reference backend: two seeds, the cohort and each model
 * alone, every evaluation; the report's numbers and statistics are those of the study.json the run wrote, and
 * `--render` writes the same report again from that JSON.
 */
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    // The paired statistics: the two seeds' differences, a t interval with 1 df, p = 0.5 at best with two seeds.
    const diffs = [0, 1].map((i) => study.runs[i].dogo[m].knn - study.runs[i].alone[m].knn);
    expect(knn.stats.n).toBe(2);
    expect(knn.stats.mean).toBeCloseTo((diffs[0]! + diffs[1]!) / 2, 12);
    const half = 12.7062047 * Math.abs(diffs[0]! - diffs[1]!) / 2; // t(0.975, 1) · SD / √2
    expect(knn.stats.ci[0]).toBeCloseTo(knn.stats.mean - half, 6);
    expect(knn.stats.ci[1]).toBeCloseTo(knn.stats.mean + half, 6);
    expect(knn.stats.p).toBeGreaterThanOrEqual(0.5);
    expect(knn.stats.verdict).toBe('no detectable difference');
    expect(md).toContain(`**${m}**: no detectable difference on any metric at this budget.`);
    const sign = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}`;
    expect(md).toContain(`| kNN | ${sign(knn.stats.mean)} | [${sign(knn.stats.ci[0])}, ${sign(knn.stats.ci[1])}] | ${knn.stats.p.toFixed(3)} | no detectable difference |`);
  }
  // --render: the same report again from study.json alone.
  rmSync(path.join(out, 'README.md'));
  const again = spawnSync(process.execPath, [main, 'study', '--render', out], { encoding: 'utf8' });
  expect(again.status, `${again.stdout}\n${again.stderr}`).toBe(0);
  expect(readFileSync(path.join(out, 'README.md'), 'utf8')).toBe(md);
  expect(JSON.parse(readFileSync(path.join(out, 'study.json'), 'utf8'))).toEqual(study);
  const missing = spawnSync(process.execPath, [main, 'study', '--render', data], { encoding: 'utf8' });
  expect(missing.status).not.toBe(0);
  expect(missing.stderr).toContain(`${path.join(data, 'study.json')} not found: --render needs the folder of a study`);
  // The work folder's study.json is the training configuration, not a study's result.
  const wrong = spawnSync(process.execPath, [main, 'study', '--render', work], { encoding: 'utf8' });
  expect(wrong.status).not.toBe(0);
  expect(wrong.stderr).toContain(`${cfg}: not a study result (needs "models" and at least one entry in "runs")`);

  // A study is not replaced by accident: a new study on the same --out is refused, and the report stays.
  const json = readFileSync(path.join(out, 'study.json'), 'utf8');
  const refused = spawnSync(process.execPath, [main, 'study', '--config', cfg, '--seeds', '1', '--out', out], { encoding: 'utf8' });
  expect(refused.status).not.toBe(0);
  expect(refused.stderr).toContain(`${out} already holds a study (${path.join(out, 'study.json')}); pass --resume to add seeds to it, --overwrite to replace it`);
  expect(readFileSync(path.join(out, 'study.json'), 'utf8')).toBe(json);

  // --resume continues a study stopped after one seed; the result is the uninterrupted two-seed study's.
  const parts = path.join(work, 'resumed');
  const study1 = ['study', '--config', cfg, '--out', parts, '--ood-data', `fashion-mnist:${data}`];
  const first = spawnSync(process.execPath, [main, ...study1, '--seeds', '1'], { encoding: 'utf8', timeout: 600_000 });
  expect(first.status, `${first.stdout}\n${first.stderr}`).toBe(0);
  const second = spawnSync(process.execPath, [main, ...study1, '--seeds', '2', '--resume'], { encoding: 'utf8', timeout: 600_000 });
  expect(second.status, `${second.stdout}\n${second.stderr}`).toBe(0);
  expect(second.stdout).toContain(`resuming the study in ${parts}: 1 seed(s) done (0)`);
  expect(second.stdout).not.toContain('seed 0: DoGo cohort');
  const resumed = JSON.parse(readFileSync(path.join(parts, 'study.json'), 'utf8'));
  const scores = (st: { runs: { seconds: number }[] }) => st.runs.map(({ seconds: _s, ...rest }) => rest);
  expect(scores(resumed)).toEqual(scores(study));
  expect(resumed.command).toContain('; resumed with dogo study');
  expect(resumed.seconds).toBeGreaterThanOrEqual(resumed.runs[0].seconds + resumed.runs[1].seconds);
  // A study already done only says why; nothing trains, nothing is rewritten.
  const done = readFileSync(path.join(parts, 'study.json'), 'utf8');
  const again2 = spawnSync(process.execPath, [main, ...study1, '--seeds', '2', '--resume'], { encoding: 'utf8' });
  expect(again2.status, again2.stderr).toBe(0);
  expect(again2.stdout).toContain('stopped: all 2 seed(s) done');
  expect(readFileSync(path.join(parts, 'study.json'), 'utf8')).toBe(done);
  // Another study is not continued: each differing field is named.
  const other = spawnSync(process.execPath, [main, ...study1, '--seeds', '3', '--resume', '--epochs', '3'], { encoding: 'utf8' });
  expect(other.status).not.toBe(0);
  expect(other.stderr).toContain(`--resume: the study in ${parts} is another study (config.epochs 2 there, 3 now)`);
  // --overwrite replaces it (one seed now, the same first seed); it cannot be asked for together with --resume.
  const both = spawnSync(process.execPath, [main, ...study1, '--seeds', '1', '--resume', '--overwrite'], { encoding: 'utf8' });
  expect(both.status).not.toBe(0);
  expect(both.stderr).toContain('--resume and --overwrite exclude each other');
  expect(readFileSync(path.join(parts, 'study.json'), 'utf8')).toBe(done);
  const replaced = spawnSync(process.execPath, [main, ...study1, '--seeds', '1', '--overwrite'], { encoding: 'utf8', timeout: 600_000 });
  expect(replaced.status, `${replaced.stdout}\n${replaced.stderr}`).toBe(0);
  const fresh = JSON.parse(readFileSync(path.join(parts, 'study.json'), 'utf8'));
  expect(scores(fresh)).toEqual(scores(study).slice(0, 1));
  expect(fresh.command).not.toContain('; resumed with');
  const nothing = spawnSync(process.execPath, [main, ...study1, '--out', path.join(work, 'none'), '--resume'], { encoding: 'utf8' });
  expect(nothing.status).not.toBe(0);
  expect(nothing.stderr).toContain(`--resume: ${path.join(work, 'none')} holds no study to continue`);
  expect(existsSync(path.join(work, 'none'))).toBe(false);
}, 900_000);
