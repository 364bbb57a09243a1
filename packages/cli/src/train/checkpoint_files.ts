/**
 * Checkpoints on disk: `step-<n>.safetensors` plus `checkpoint.json` naming it, each written atomically
 * (temporary file, fsync, rename, fsync of the folder), manifest last, so a run killed at any instant
 * leaves the previous complete checkpoint readable.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CheckpointError, decodeState, parseManifest, type CheckpointManifest } from '@dogo/ssl';
import type { HostTensor } from '@dogo/core';

export const MANIFEST = 'checkpoint.json';

export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  const tmp = `${file}.tmp-${process.pid}`;
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
  const dir = openSync(path.dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

export function saveCheckpoint(dir: string, manifest: CheckpointManifest, tensors: Uint8Array): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, manifest.tensors), tensors);
  writeFileAtomic(path.join(dir, MANIFEST), JSON.stringify(manifest, null, 2));
  // Older tensor files are no longer named by the manifest.
  for (const f of readdirSync(dir)) {
    if (/^step-\d+\.safetensors$/.test(f) && f !== manifest.tensors) unlinkSync(path.join(dir, f));
    if (f.includes('.tmp-')) unlinkSync(path.join(dir, f));
  }
}

export function loadCheckpoint(dir: string): { manifest: CheckpointManifest; state: Record<string, HostTensor> } {
  const mf = path.join(dir, MANIFEST);
  if (!existsSync(mf)) throw new CheckpointError(`no checkpoint in ${dir}: ${MANIFEST} not found; pass the run folder of an earlier \`dogo train\` (its --out)`);
  const manifest = parseManifest(readFileSync(mf, 'utf8'), mf);
  const tf = path.join(dir, manifest.tensors);
  if (!existsSync(tf)) throw new CheckpointError(`${mf} names ${manifest.tensors}, which is missing; the checkpoint folder was damaged`);
  return { manifest, state: decodeState(new Uint8Array(readFileSync(tf)), tf) };
}
