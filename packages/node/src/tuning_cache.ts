/// <reference types="node" />
/**
 * Node adapter for tuning: a TuningCache in one JSON file under the user's cache folder (DOGO_CACHE_DIR, else
 * $XDG_CACHE_HOME/dogo, else ~/.cache/dogo; the file is tuning.json), and this machine's description for
 * cache keys (CPU model, logical cores, architecture, V8 version: a new engine generates different code).
 * Writes go through a temporary file and a rename, re-reading the file first so processes sharing it keep
 * each other's entries; a file that does not parse counts as empty and is replaced on the next write.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TuningCache } from '@dogo/core';

/** The folder tuning.json lives in (see the module comment). */
export function nodeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['DOGO_CACHE_DIR']) return env['DOGO_CACHE_DIR'];
  if (env['XDG_CACHE_HOME']) return path.join(env['XDG_CACHE_HOME'], 'dogo');
  return path.join(os.homedir(), '.cache', 'dogo');
}

/** This machine in tuning keys: "AMD EPYC x2 x64 v8 11.3.244.8-node.33". */
export function nodeMachineId(): string {
  const cpus = os.cpus();
  return `${(cpus[0]?.model ?? 'unknown cpu').trim()} x${cpus.length} ${process.arch} v8 ${process.versions.v8}`;
}

/** A TuningCache kept in one JSON file (an object of key -> value). */
export class JsonFileTuningCache implements TuningCache {
  private entries: Record<string, unknown> | null = null;

  constructor(readonly file: string) {}

  private read(): Record<string, unknown> {
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, unknown> : {};
    } catch {
      return {};
    }
  }

  async get(key: string): Promise<unknown> {
    this.entries ??= this.read();
    return this.entries[key];
  }

  async set(key: string, value: unknown): Promise<void> {
    const merged = { ...this.read(), [key]: value };
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(merged, null, 1)}\n`);
    renameSync(tmp, this.file);
    this.entries = merged;
  }
}

/** The cache file of this user (nodeCacheDir()/tuning.json). */
export function nodeTuningCache(dir: string = nodeCacheDir()): JsonFileTuningCache {
  return new JsonFileTuningCache(path.join(dir, 'tuning.json'));
}
