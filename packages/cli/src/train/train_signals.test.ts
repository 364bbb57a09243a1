/**
 * `dogo train` on wasm (synchronous steps on the main thread) stopped by signals, as an operator would: SIGINT,
 * SIGTERM and SIGHUP save a checkpoint holding every logged step and exit with 130, 143 and 129; after SIGKILL a
 * resume reaches the same losses as an uninterrupted run; a second Ctrl-C quits at once even while the main
 * thread is busy.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { checkpointStep, dogo, makeWorkspace, metrics, root, startDogo, stepLosses, waitUntil, writeConfig, type Workspace } from './test_dogo_process.js';

let ws: Workspace;

beforeAll(async () => {
  ws = await makeWorkspace('dogo-signals-');
});

describe('dogo train on wasm, stopped by signals', () => {
  it.each([['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const)('%s saves a checkpoint with every logged step and exits %i', async (signal, code) => {
    const out = path.join(ws.work, `run-${signal}`);
    // Far more steps than the test waits for, and no periodic checkpoint: only the signal saves one.
    const cfg = writeConfig(ws, `sig-${signal}`, { backend: 'wasm', steps: 100_000, checkpointEvery: 0, linearEpochs: 0 });
    const run = startDogo(ws, ['train', '--config', cfg, '--out', out]);
    await waitUntil(run, () => metrics(out).filter((r) => r.type === 'step').length >= 3, 'three steps');
    run.child.kill(signal);
    expect(await run.exited, run.output()).toBe(code);
    const logged = metrics(out).filter((r) => r.type === 'step').length;
    expect(checkpointStep(out)).toBe(logged);
    expect(run.output()).toContain(`interrupted: checkpoint saved at step ${logged} in ${out}; continue with --resume`);
    expect(existsSync(path.join(out, 'dogo.lock'))).toBe(false);
  }, 180_000);

  it('resumes after SIGKILL to the same losses as an uninterrupted run', async () => {
    const cfg = writeConfig(ws, 'kill', { backend: 'wasm', threads: 1, steps: 60, checkpointEvery: 5, linearEpochs: 0 });
    const full = path.join(ws.work, 'run-full');
    expect(dogo(ws, ['train', '--config', cfg, '--out', full]).code).toBe(0);
    const killed = path.join(ws.work, 'run-killed');
    const run = startDogo(ws, ['train', '--config', cfg, '--out', killed]);
    await waitUntil(run, () => checkpointStep(killed) >= 10, 'the checkpoint of step 10');
    run.child.kill('SIGKILL');
    expect(await run.exited).toBe('SIGKILL');
    const before = checkpointStep(killed);
    expect(before).toBeLessThan(60);
    // The killed run left its lock behind; its process is gone, so the resume takes it over.
    expect(existsSync(path.join(killed, 'dogo.lock'))).toBe(true);
    const r = dogo(ws, ['train', '--config', cfg, '--out', killed, '--resume']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`resumed from ${killed} at step ${before}`);
    expect(stepLosses(killed)).toEqual(stepLosses(full));
  }, 180_000);

  it('quits at once on a second Ctrl-C, even while the main thread is busy (as in a wasm step)', async () => {
    // A process that arms StopSignals, then on the first signal keeps its thread busy for 30 s, as a long wasm
    // step or checkpoint write would: the second Ctrl-C must end it at once, not after the 30 s.
    const dist = path.join(root, 'packages/cli/dist/index.js');
    const script = `
      import { StopSignals } from ${JSON.stringify(dist)};
      const stop = new StopSignals((l) => console.log(l.trim()));
      stop.arm();
      console.log('armed');
      const wait = setInterval(() => {
        if (!stop.requested()) return;
        clearInterval(wait);
        console.log('busy');
        const t = Date.now();
        while (Date.now() - t < 30000);
        process.exit(stop.exitCode);
      }, 5);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<string | number>((r) => child.on('close', (c, s) => r(c ?? s ?? 'unknown')));
    const until = async (text: string) => {
      while (!out.includes(text)) await new Promise((r) => setTimeout(r, 10));
    };
    await until('armed');
    child.kill('SIGINT');
    await until('busy');
    expect(out).toContain('Ctrl-C: saving a checkpoint after this step, then exiting with 130');
    const t0 = Date.now();
    child.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    expect(Date.now() - t0).toBeLessThan(5_000);
  }, 60_000);
});
