/**
 * `dogo train` end to end, as a user runs it: the built command in a child process, on a tiny IDX dataset
 * made from the embedded Fashion-MNIST subset, on the reference backend (every backend gives the same
 * orchestration). Covers: losses fall, the --baseline report is built from measured numbers, resume after
 * SIGKILL reaches the same losses as an uninterrupted run, chunked steps with models on backends of their own
 * (said at start, with each executable's planned memory), and each CLI error path.
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
    expect(r.out).toContain('step: the one-graph step fits');
    expect(r.out).toMatch(/memory on reference: \d+ MiB planned \(peak of intermediates: cohort \d+ MiB;/);
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

  it('runs chunked steps with each model on a backend of its own, says so, and resumes in another layout', () => {
    const cfg = writeConfig('chunked', { steps: 4 });
    const out = path.join(work, 'run-chunked');
    const r = dogo(['train', '--config', cfg, '--out', out, '--linear-epochs', '0', '--chunk', '4', '--backend', 'reference,reference', '--steps', '2']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('backends: student on reference (chosen with --backend); peer on reference (chosen with --backend)');
    expect(r.out).toContain('step: chunks of 4 images as asked');
    expect(r.out).toMatch(/memory on reference #1: \d+ MiB planned \(peak of intermediates: student\/backward \d+ MiB, student\/forward \d+ MiB, student\/loss \d+ MiB, student\/update \d+ MiB;/);
    expect(r.out).toMatch(/memory on reference #2: \d+ MiB planned \(peak of intermediates: peer\/backward/);
    expect(stepLosses(out).length).toBe(2);
    const again = dogo(['train', '--config', cfg, '--out', out, '--linear-epochs', '0', '--resume']);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('step: the one-graph step fits');
    expect(stepLosses(out).length).toBe(4);
  }, 300_000);

  it('names a chunk that does not divide the batch, a backend list of the wrong length and an unknown recompute mode', () => {
    const data = ['--data', `fashion-mnist:${dataDir}`, '--batch-size', '16'];
    const chunk = dogo(['train', ...data, '--backend', 'reference', '--chunk', '5']);
    expect(chunk.code).not.toBe(0);
    expect(chunk.out).toContain('chunk 5 must divide the batch size 16; choose one of 16, 8, 4, 2, 1');
    const list = dogo(['train', ...data, '--backend', 'reference,reference,reference']);
    expect(list.code).not.toBe(0);
    expect(list.out).toContain('"backend" must be one backend, or one per model (2 models, 3 backends), got "reference,reference,reference"');
    const mode = dogo(['train', ...data, '--recompute', 'sometimes']);
    expect(mode.code).not.toBe(0);
    expect(mode.out).toContain('flags: --recompute must be one of auto, always, never, got "sometimes"');
  });

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
    expect(r.out).toContain('flags: --backend must be auto, wasm, webgpu or reference, or one of those per model separated by commas (wasm,wasm), got "cuda"');
  });
});
