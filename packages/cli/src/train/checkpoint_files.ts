/**
 * Checkpoints on disk: `step-<n>.safetensors` plus `checkpoint.json` naming it, each written atomically
 * (temporary file, fsync, rename, fsync of the folder), manifest last, so a run killed at any instant
 * leaves the previous complete checkpoint readable. A failed write (a full disk) removes its temporary file
 * and says which path failed. With `keep` > 1 the last `keep` checkpoints stay, each with its own manifest
 * `step-<n>.json`, so a run can resume from an earlier one (`--resume-from N`).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CheckpointError, decodeState, parseManifest, type CheckpointManifest } from '@dogo/ssl';
import type { HostTensor } from '@dogo/core';
import { fsStep } from '../fs_errors.js';

export const MANIFEST = 'checkpoint.json';

/** The per-step manifest kept beside `step-<n>.safetensors` when several checkpoints are kept. */
export const stepManifest = (step: number) => `step-${step}.json`;

/** Writes `file` so that it holds either its old content or all of `data`; on failure nothing is left behind. */
export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    return fsStep('write', file, () => { throw e; });
  }
  const dir = openSync(path.dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** Steps of the checkpoints whose tensors are in `dir`, ascending. */
export function checkpointSteps(dir: string): number[] {
  return readdirSync(dir).map((f) => /^step-(\d+)\.safetensors$/.exec(f)).filter((m) => m !== null).map((m) => Number(m[1])).sort((a, b) => a - b);
}

/**
 * Saves a checkpoint and keeps the last `keep` (default 1). Checkpoints of later steps than this one (left by
 * a run resumed from an earlier checkpoint) are removed: they belong to the abandoned continuation.
 */
export function saveCheckpoint(dir: string, manifest: CheckpointManifest, tensors: Uint8Array, keep = 1): void {
  fsStep('create the run folder', dir, () => mkdirSync(dir, { recursive: true }));
  writeFileAtomic(path.join(dir, manifest.tensors), tensors);
  const text = JSON.stringify(manifest, null, 2);
  if (keep > 1) writeFileAtomic(path.join(dir, stepManifest(manifest.step)), text);
  writeFileAtomic(path.join(dir, MANIFEST), text);
  const steps = checkpointSteps(dir).filter((s) => s <= manifest.step);
  const kept = new Set(steps.slice(-keep));
  kept.add(manifest.step);
  for (const s of checkpointSteps(dir)) {
    if (kept.has(s)) continue;
    for (const f of [`step-${s}.safetensors`, stepManifest(s)]) fsStep('remove the old checkpoint', path.join(dir, f), () => rmSync(path.join(dir, f), { force: true }));
  }
  // A checkpoint kept alone needs no per-step manifest (one may remain from a run with a larger keep).
  if (keep <= 1) rmSync(path.join(dir, stepManifest(manifest.step)), { force: true });
}

/** The last checkpoint of `dir`, or with `step` the kept one of that step. */
export function loadCheckpoint(dir: string, step?: number): { manifest: CheckpointManifest; state: Record<string, HostTensor> } {
  const last = path.join(dir, MANIFEST);
  if (!existsSync(last)) throw new CheckpointError(`no checkpoint in ${dir}: ${MANIFEST} not found; pass the run folder of an earlier \`dogo train\` (its --out)`);
  let mf = last;
  if (step !== undefined && !existsSync(path.join(dir, stepManifest(step)))) {
    const lastStep = parseManifest(fsStep('read', last, () => readFileSync(last, 'utf8')), last).step;
    if (lastStep !== step) {
      const kept = checkpointSteps(dir).filter((s) => s === lastStep || existsSync(path.join(dir, stepManifest(s))));
      throw new CheckpointError(`${dir} keeps no checkpoint of step ${step}; it has step(s) ${kept.join(', ') || 'none'} (start runs with --keep-checkpoints K to keep the last K)`);
    }
  } else if (step !== undefined) mf = path.join(dir, stepManifest(step));
  const manifest = parseManifest(fsStep('read', mf, () => readFileSync(mf, 'utf8')), mf);
  const tf = path.join(dir, manifest.tensors);
  if (!existsSync(tf)) throw new CheckpointError(`${mf} names ${manifest.tensors}, which is missing; the checkpoint folder was damaged`);
  return { manifest, state: decodeState(new Uint8Array(fsStep('read', tf, () => readFileSync(tf))), tf) };
}
