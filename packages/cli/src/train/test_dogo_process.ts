/**
 * Test helper: runs the built `dogo` command as a user does, in a child process, on the tiny IDX dataset of
 * test_tiny_dataset.ts, with config files written per test. Shared by the CLI tests of this folder.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTinyDataset } from './test_tiny_dataset.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const main = path.join(root, 'packages/cli/dist/main.js');

/** A scratch folder with the tiny dataset in `data/`. */
export interface Workspace {
  work: string;
  dataDir: string;
}

export async function makeWorkspace(prefix: string): Promise<Workspace> {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first (npm test does)`);
  const work = mkdtempSync(path.join(os.tmpdir(), prefix));
  const dataDir = path.join(work, 'data');
  mkdirSync(dataDir);
  await writeTinyDataset(dataDir);
  return { work, dataDir };
}

/** A config of two tiny models on the tiny dataset; `extra` overrides any key. Returns the file's path. */
export function writeConfig(ws: Workspace, name: string, extra: Record<string, unknown> = {}): string {
  const adam = { kind: 'adam', lr: 3e-3, weightDecay: 1e-6, schedule: 'constant' };
  const cfg = {
    data: `fashion-mnist:${ws.dataDir}`, backend: 'reference', steps: 12, batchSize: 16, evalEvery: 0, linearEpochs: 3, knnK: 10, checkpointEvery: 2,
    models: [
      { name: 'student', arch: 'resnet-small', stages: [4, 8], blocks: 1, lambda: 10, optimizer: adam, headHidden: 16, headOut: 8 },
      { name: 'peer', arch: 'resnet-small', stages: [8, 8], blocks: 1, lambda: 1, optimizer: adam, headHidden: 16, headOut: 8 },
    ],
    ...extra,
  };
  const f = path.join(ws.work, `${name}.json`);
  writeFileSync(f, JSON.stringify(cfg));
  return f;
}

/** Runs `dogo ARGS` to the end; code and stdout + stderr. */
export function dogo(ws: Workspace, args: string[], timeout = 300_000): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: ws.work, timeout });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

/** A running `dogo ARGS` whose output is collected. */
export interface DogoChild {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code, or the signal's name when a signal ended it. */
  exited: Promise<number | string>;
}

export function startDogo(ws: Workspace, args: string[]): DogoChild {
  const child = spawn(process.execPath, [main, ...args], { cwd: ws.work, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, output: () => out, exited };
}

/** Waits until `ready()` holds, polling every 20 ms; fails if the child ends first or after `timeoutMs`. */
export async function waitUntil(d: DogoChild, ready: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const t0 = Date.now();
  let ended = false;
  void d.exited.then(() => (ended = true));
  while (!ready()) {
    if (ended) throw new Error(`the run ended before ${what}:\n${d.output()}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}:\n${d.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Metrics records of a run folder. */
export function metrics(dir: string): { type: string; step: number; losses?: Record<string, { loss: number }> }[] {
  const f = path.join(dir, 'metrics.jsonl');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).flatMap((l) => {
    try {
      return [JSON.parse(l)];
    } catch {
      return [];
    }
  });
}

/** Per step: the two models' losses. */
export function stepLosses(dir: string): number[][] {
  return metrics(dir).filter((r) => r.type === 'step').map((r) => [r.losses!['student']!.loss, r.losses!['peer']!.loss]);
}

/** The step of the run folder's last checkpoint, or -1 without one. */
export function checkpointStep(dir: string): number {
  try {
    return (JSON.parse(readFileSync(path.join(dir, 'checkpoint.json'), 'utf8')) as { step: number }).step;
  } catch {
    return -1;
  }
}

