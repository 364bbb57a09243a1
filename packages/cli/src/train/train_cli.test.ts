/**
 * `dogo train` end to end, as a user runs it: the built command in a child process, on a tiny IDX dataset
 * made from the embedded Fashion-MNIST subset, on the reference backend (every backend gives the same
 * orchestration). Covers: losses fall, the --baseline report is built from measured numbers, resume after
 * SIGKILL reaches the same losses as an uninterrupted run, and each CLI error path.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTinyDataset } from './test_tiny_dataset.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const main = path.join(root, 'packages/cli/dist/main.js');
let dataDir = '';
let work = '';

function writeConfig(name: string, extra: Record<string, unknown> = {}): string {
  const adam = { kind: 'adam', lr: 3e-3, weightDecay: 1e-6, schedule: 'constant' };
  const cfg = {
    data: `fashion-mnist:${dataDir}`, backend: 'reference', steps: 12, batchSize: 16, evalEvery: 0, linearEpochs: 3, knnK: 10, checkpointEvery: 2,
    models: [
      { name: 'student', arch: 'resnet-small', stages: [4, 8], blocks: 1, lambda: 10, optimizer: adam, headHidden: 16, headOut: 8 },
      { name: 'peer', arch: 'resnet-small', stages: [8, 8], blocks: 1, lambda: 1, optimizer: adam, headHidden: 16, headOut: 8 },
    ],
    ...extra,
  };
  const f = path.join(work, `${name}.json`);
  writeFileSync(f, JSON.stringify(cfg));
  return f;
}

function dogo(args: string[]) {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: work, timeout: 300_000 });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

function stepLosses(dir: string): number[][] {
  return readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    .filter((r) => r.type === 'step').map((r) => [r.losses.student.loss, r.losses.peer.loss]);
}

beforeAll(async () => {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first (npm test does)`);
  work = mkdtempSync(path.join(os.tmpdir(), 'dogo-train-'));
  dataDir = path.join(work, 'data');
  spawnSync('mkdir', ['-p', dataDir]);
  await writeTinyDataset(dataDir);
});

describe('dogo train', () => {
  it('trains with --baseline and writes a report whose numbers come from the run', () => {
    const out = path.join(work, 'run-baseline');
    const r = dogo(['train', '--config', writeConfig('base', { steps: 16 }), '--out', out, '--baseline']);
    expect(r.out).toContain('backend: reference');
    expect(r.code, r.out).toBe(0);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    const report = readFileSync(path.join(out, 'report.md'), 'utf8');
    for (const m of ['student', 'peer']) {
      const d = results.cohort.final[m];
      const b = results.baselines[m].final[m];
      for (const v of [d.knn, d.linear, d.label10, d.label1, b.knn, b.linear]) expect(v).toBeGreaterThanOrEqual(0);
      expect(report).toContain(`| ${m} | ${(100 * d.knn).toFixed(2)}% | ${(100 * b.knn).toFixed(2)}% |`);
      expect(r.out).toContain(`${m}: kNN ${(100 * d.knn).toFixed(2)}%`);
    }
    expect(readFileSync(path.join(out, 'loss.svg'), 'utf8')).toContain('<polyline');
    const losses = stepLosses(out);
    expect(losses.length).toBe(16);
    const mean = (rows: number[][]) => rows.reduce((a, x) => a + x[0]! + x[1]!, 0) / rows.length;
    expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)));
  }, 300_000);

  it('resumes a run killed with SIGKILL and reaches the same losses as an uninterrupted run', async () => {
    const cfg = writeConfig('resume');
    const full = path.join(work, 'run-full');
    expect(dogo(['train', '--config', cfg, '--out', full, '--linear-epochs', '0']).code).toBe(0);
    const killed = path.join(work, 'run-killed');
    const child = spawn(process.execPath, [main, 'train', '--config', cfg, '--out', killed, '--linear-epochs', '0'], { cwd: work, stdio: 'ignore' });
    const manifest = path.join(killed, 'checkpoint.json');
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).step >= 4) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve();
        }
      }, 20);
      child.on('exit', (code) => {
        clearInterval(timer);
        if (code !== null) reject(new Error(`the run ended (code ${code}) before it could be killed`));
      });
    });
    await new Promise((r) => child.on('close', r));
    const before = JSON.parse(readFileSync(manifest, 'utf8')).step;
    expect(before).toBeLessThan(12);
    const r = dogo(['train', '--config', cfg, '--out', killed, '--linear-epochs', '0', '--resume']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`resumed from ${killed} at step ${before}`);
    expect(stepLosses(killed)).toEqual(stepLosses(full));
  }, 300_000);

  it('names the missing dataset', () => {
    const r = dogo(['train', '--data', 'fashion-mnist:/nonexistent/fm', '--backend', 'reference']);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/Fashion-MNIST not found: looked for \/nonexistent\/fm\/train-images-idx3-ubyte/);
  });

  it('names a bad config key', () => {
    const f = path.join(work, 'bad.json');
    writeFileSync(f, JSON.stringify({ batchSise: 32 }));
    const r = dogo(['train', '--config', f]);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(`config file ${f}: unknown key "batchSise"`);
  });

  it('names an unknown backend', () => {
    const r = dogo(['train', '--backend', 'cuda', '--data', `fashion-mnist:${dataDir}`]);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('flags: --backend must be one of auto, wasm, webgpu, reference, got "cuda"');
  });
});
