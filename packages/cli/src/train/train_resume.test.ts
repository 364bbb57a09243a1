/**
 * Resuming a run: a refused resume names the settings that changed; a cosine schedule is not silently stretched
 * to another length; the report of a resumed run gives the throughput of the whole run.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dogo, makeWorkspace, writeConfig, type Workspace } from './test_dogo_process.js';

let ws: Workspace;
beforeAll(async () => {
  ws = await makeWorkspace('dogo-resume-');
});

const sgd = (lr: number, schedule: string) => ({ kind: 'sgd', lr, schedule });
const models = (lr: number, schedule = 'constant') => [
  { name: 'student', arch: 'resnet-small', stages: [4, 8], blocks: 1, lambda: 10, optimizer: sgd(lr, schedule), headHidden: 16, headOut: 8 },
  { name: 'peer', arch: 'resnet-small', stages: [8, 8], blocks: 1, lambda: 1, optimizer: sgd(0.05, schedule), headHidden: 16, headOut: 8 },
];

describe('dogo train --resume', () => {
  it('names each setting that differs from the run being resumed', () => {
    const out = path.join(ws.work, 'run-changed');
    expect(dogo(ws, ['train', '--config', writeConfig(ws, 'a', { backend: 'wasm', threads: 1, steps: 4, linearEpochs: 0, models: models(0.05) }), '--out', out]).code).toBe(0);
    const changed = writeConfig(ws, 'b', { backend: 'wasm', threads: 1, steps: 8, linearEpochs: 0, temperature: 0.2, models: models(0.01) });
    const r = dogo(ws, ['train', '--config', changed, '--out', out, '--resume']);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(`${out}: cannot resume: these settings differ from the run's: models[0].optimizer.lr: 0.05 -> 0.01; temperature: 0.5 -> 0.2; resume with the run's settings`);
  }, 120_000);

  it('refuses another run length under a cosine schedule, and allows it under a constant one', () => {
    const cosine = path.join(ws.work, 'run-cosine');
    const cfgCosine = writeConfig(ws, 'cos', { backend: 'wasm', threads: 1, steps: 4, linearEpochs: 0, models: models(0.05, 'cosine') });
    expect(dogo(ws, ['train', '--config', cfgCosine, '--out', cosine]).code).toBe(0);
    const r = dogo(ws, ['train', '--config', cfgCosine, '--out', cosine, '--resume', '--steps', '8']);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('the run was started for 4 steps and this one asks for 8; student, peer use a cosine schedule, whose learning rate depends on the run\'s length, so it would jump; resume with --steps 4');

    const constant = path.join(ws.work, 'run-constant');
    const cfgConstant = writeConfig(ws, 'const', { backend: 'wasm', threads: 1, steps: 4, linearEpochs: 0, models: models(0.05) });
    expect(dogo(ws, ['train', '--config', cfgConstant, '--out', constant]).code).toBe(0);
    const ok = dogo(ws, ['train', '--config', cfgConstant, '--out', constant, '--resume', '--steps', '8']);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toContain(`resumed from ${constant} at step 4`);
  }, 120_000);

  it('reports the throughput of the whole run after a resume that had no steps left', () => {
    const out = path.join(ws.work, 'run-rate');
    const cfg = writeConfig(ws, 'rate', { backend: 'wasm', threads: 1, steps: 4, linearEpochs: 0 });
    expect(dogo(ws, ['train', '--config', cfg, '--out', out]).code).toBe(0);
    const first = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')).cohort.imagesPerSecond;
    const r = dogo(ws, ['train', '--config', cfg, '--out', out, '--resume']);
    expect(r.code, r.out).toBe(0);
    const again = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')).cohort.imagesPerSecond;
    expect(first).toBeGreaterThan(0);
    // The resumed session trained nothing: the whole run's rate stays (old: 0.0 images/s).
    expect(Math.abs(again - first) / first).toBeLessThan(0.01);
    expect(readFileSync(path.join(out, 'report.md'), 'utf8')).toContain(`${again.toFixed(1)} images/s (cohort)`);
  }, 120_000);
});
