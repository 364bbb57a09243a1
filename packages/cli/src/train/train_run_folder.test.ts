/**
 * What `dogo train` may do to its --out folder: never replace a run silently, never share it with a live run,
 * keep several checkpoints on request, clean only its own temporary files, and refuse to save non-finite
 * weights (which export, eval and serve refuse too). Each case runs the built command on wasm with the tiny
 * dataset.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from '@dogo/nn';
import { checkpointStep, dogo, makeWorkspace, metrics, startDogo, waitUntil, writeConfig, type Workspace } from './test_dogo_process.js';

let ws: Workspace;
const wasm = (extra: Record<string, unknown> = {}) => ({ backend: 'wasm', threads: 1, linearEpochs: 0, ...extra });

beforeAll(async () => {
  ws = await makeWorkspace('dogo-folder-');
});

describe('dogo train: the run folder', () => {
  it('refuses a new run on a folder holding a run, changing nothing; --overwrite replaces it; other files are never deleted', () => {
    const out = path.join(ws.work, 'run-exists');
    const cfg = writeConfig(ws, 'exists', wasm({ steps: 6 }));
    expect(dogo(ws, ['train', '--config', cfg, '--out', out]).code).toBe(0);
    const before = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8');
    const r = dogo(ws, ['train', '--config', cfg, '--out', out, '--steps', '4']);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(`--out ${out} already holds a run (checkpoint at step 6); continue it with --resume, replace it with --overwrite, or choose another --out`);
    expect(readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')).toBe(before);
    expect(existsSync(path.join(out, 'step-6.safetensors'))).toBe(true);

    const o = dogo(ws, ['train', '--config', cfg, '--out', out, '--steps', '4', '--overwrite']);
    expect(o.code, o.out).toBe(0);
    expect(metrics(out).filter((m) => m.type === 'step').length).toBe(4);
    expect(existsSync(path.join(out, 'step-6.safetensors'))).toBe(false);

    writeFileSync(path.join(out, 'my-notes.txt'), 'mine');
    const f = dogo(ws, ['train', '--config', cfg, '--out', out, '--overwrite']);
    expect(f.code).not.toBe(0);
    expect(f.out).toContain('holds files that are not from a dogo run (my-notes.txt); --overwrite only replaces a run folder, so nothing was deleted');
    expect(checkpointStep(out)).toBe(4);
  }, 180_000);

  it('refuses a second run on a folder a live run writes, naming its PID; the first run goes on', async () => {
    const out = path.join(ws.work, 'run-locked');
    const cfg = writeConfig(ws, 'locked', wasm({ steps: 100_000, checkpointEvery: 0, seed: 1 }));
    const first = startDogo(ws, ['train', '--config', cfg, '--out', out]);
    await waitUntil(first, () => metrics(out).filter((m) => m.type === 'step').length >= 2, 'two steps');
    const second = dogo(ws, ['train', '--config', writeConfig(ws, 'locked2', wasm({ steps: 4, seed: 2 })), '--out', out, '--overwrite']);
    expect(second.code).not.toBe(0);
    expect(second.out).toContain(`${out} is in use by another dogo run (PID ${first.child.pid}`);
    const steps = metrics(out).filter((m) => m.type === 'step').length;
    await waitUntil(first, () => metrics(out).filter((m) => m.type === 'step').length > steps, 'the first run to go on');
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(130);
    const records = metrics(out).filter((m) => m.type === 'step');
    expect(records.map((m) => m.step)).toEqual(records.map((_, i) => i));
  }, 180_000);

  it('keeps the last K checkpoints with --keep-checkpoints and resumes from an earlier one with --resume-from', () => {
    const out = path.join(ws.work, 'run-keep');
    const cfg = writeConfig(ws, 'keep', wasm({ steps: 10, checkpointEvery: 2 }));
    expect(dogo(ws, ['train', '--config', cfg, '--out', out, '--keep-checkpoints', '3']).code).toBe(0);
    const kept = readdirSync(out).filter((f) => /^step-\d+\.safetensors$/.test(f)).sort();
    expect(kept).toEqual(['step-10.safetensors', 'step-6.safetensors', 'step-8.safetensors']);
    const lossesAt = (dir: string) => metrics(dir).filter((m) => m.type === 'step').map((m) => m.losses!['student']!.loss);
    const full = lossesAt(out);
    const r = dogo(ws, ['train', '--config', cfg, '--out', out, '--keep-checkpoints', '3', '--resume-from', '6']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`resumed from ${out} at step 6`);
    expect(lossesAt(out)).toEqual(full);
    const gone = dogo(ws, ['train', '--config', cfg, '--out', out, '--resume-from', '2']);
    expect(gone.out).toContain(`${out} keeps no checkpoint of step 2; it has step(s) 6, 8, 10`);
  }, 180_000);

  it('removes only its own stale temporary files', () => {
    const out = path.join(ws.work, 'run-temp');
    const cfg = writeConfig(ws, 'temp', wasm({ steps: 4 }));
    expect(dogo(ws, ['train', '--config', cfg, '--out', out]).code).toBe(0);
    writeFileSync(path.join(out, 'step-2.safetensors.tmp-999999'), 'half a checkpoint of a killed run');
    writeFileSync(path.join(out, 'data.tmp-1'), 'a user file that only looks temporary');
    const r = dogo(ws, ['train', '--config', cfg, '--out', out, '--resume', '--steps', '6']);
    expect(r.code, r.out).toBe(0);
    expect(existsSync(path.join(out, 'step-2.safetensors.tmp-999999'))).toBe(false);
    expect(readFileSync(path.join(out, 'data.tmp-1'), 'utf8')).toBe('a user file that only looks temporary');
  }, 180_000);

  it('stops on a NaN in a weight the loss never sees, keeps the checkpoint as it was, and export refuses it', () => {
    const out = path.join(ws.work, 'run-nan');
    const cfg = writeConfig(ws, 'nan', wasm({ steps: 4 }));
    expect(dogo(ws, ['train', '--config', cfg, '--out', out]).code).toBe(0);
    // Poison one running variance in the checkpoint: training-mode batch norm never reads it.
    const file = path.join(out, 'step-4.safetensors');
    const st = decodeSafetensors(new Uint8Array(readFileSync(file)));
    const name = Object.keys(st.tensors).find((k) => k.startsWith('student.encoder.') && k.endsWith('running_var'))!;
    (st.tensors[name]!.data as Float32Array)[0] = NaN;
    writeFileSync(file, encodeSafetensors(st.tensors as Record<string, SafeTensor>, st.metadata));
    const bytes = readFileSync(file);
    const mtime = statSync(file).mtimeMs;
    const r = dogo(ws, ['train', '--config', cfg, '--out', out, '--resume', '--steps', '8']);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`step 4: model "student" has "${name}" holding NaN at index 0`);
    expect(r.out).toContain('resume from the last checkpoint, which this step did not overwrite');
    expect(checkpointStep(out)).toBe(4);
    expect(readFileSync(file).equals(bytes) && statSync(file).mtimeMs === mtime).toBe(true);
    expect(metrics(out).filter((m) => m.type === 'step').length).toBe(4);
    // Every command that reads the weights refuses them, naming the tensor.
    const poisoned = `the checkpoint at step 4 of student holds non-finite weights ("${name.slice('student.encoder.'.length)}" holding NaN at index 0`;
    const e = dogo(ws, ['export', out, '--model', 'student']);
    expect(e.code).toBe(1);
    expect(e.out).toContain(poisoned);
    expect(e.out).toContain('nothing was exported');
    expect(existsSync(path.join(out, 'student-encoder.safetensors'))).toBe(false);
    const ev = dogo(ws, ['eval', out, '--linear-epochs', '0']);
    expect(ev.code).toBe(1);
    expect(ev.out).toContain(poisoned);
    expect(ev.out).toContain('nothing was evaluated');
    const sv = dogo(ws, ['serve', out, '--model', 'student', '--port', '0']);
    expect(sv.code).toBe(1);
    expect(sv.out).toContain(poisoned);
    expect(sv.out).toContain('nothing was served');
  }, 180_000);

  it('stops a run whose learning rate makes the weights diverge, before saving them', () => {
    const out = path.join(ws.work, 'run-diverge');
    const sgd = { kind: 'sgd', lr: 1e30, schedule: 'constant' };
    const models = [{ name: 'student', arch: 'resnet-small', stages: [4, 8], blocks: 1, lambda: 0, optimizer: sgd, headHidden: 16, headOut: 8 }];
    const r = dogo(ws, ['train', '--config', writeConfig(ws, 'diverge', wasm({ steps: 20, checkpointEvery: 1, models })), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/step (\d+): model "student" has (a non-finite loss|"student\.[\w.]+" holding \S+ at index \d+)/);
    // The step that went bad saved nothing: the last checkpoint is the step before it (none before step 1), all finite.
    const failed = Number(/step (\d+): model/.exec(r.out)![1]);
    expect(checkpointStep(out)).toBe(failed === 0 ? -1 : failed);
    if (failed > 0) {
      const st = decodeSafetensors(new Uint8Array(readFileSync(path.join(out, `step-${failed}.safetensors`))));
      for (const t of Object.values(st.tensors)) for (const v of t.data as Float32Array) expect(Number.isFinite(v)).toBe(true);
    }
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 180_000);
});
