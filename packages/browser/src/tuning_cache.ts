/**
 * Browser adapter for tuning: a TuningCache in one JSON file of the Origin Private File System
 * (navigator.storage.getDirectory(), pages and workers alike), and this browser's description for cache
 * keys (user agent and logical cores). Where OPFS is missing (old browsers, some private modes) the cache
 * lives in memory for the page's lifetime. A file that does not parse counts as empty.
 */
import { MemoryTuningCache, type TuningCache } from '@dogo/core';

interface OpfsRoot {
  getFileHandle(name: string, o?: { create?: boolean }): Promise<{
    getFile(): Promise<{ text(): Promise<string> }>;
    createWritable(): Promise<{ write(data: string): Promise<void>; close(): Promise<void> }>;
  }>;
}

/** OPFS's root directory getter where the browser has one (called only when the cache is first used). */
function opfsRoot(): (() => Promise<OpfsRoot>) | null {
  const storage = (globalThis as { navigator?: { storage?: { getDirectory?: () => Promise<OpfsRoot> } } }).navigator?.storage;
  const getDirectory = storage?.getDirectory;
  return getDirectory ? () => getDirectory.call(storage) : null;
}

/** A TuningCache in the OPFS file `name` (an object of key -> value); touches storage only when used. */
export class OpfsTuningCache implements TuningCache {
  private entries: Promise<Record<string, unknown>> | null = null;
  private rootDir: Promise<OpfsRoot> | null = null;

  constructor(private readonly getRoot: () => Promise<OpfsRoot>, readonly name = 'dogo-tuning.json') {}

  private get root(): Promise<OpfsRoot> {
    return (this.rootDir ??= this.getRoot());
  }

  private async read(): Promise<Record<string, unknown>> {
    try {
      const file = await (await (await this.root).getFileHandle(this.name, { create: true })).getFile();
      const parsed: unknown = JSON.parse((await file.text()) || '{}');
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, unknown> : {};
    } catch {
      return {};
    }
  }

  async get(key: string): Promise<unknown> {
    this.entries ??= this.read();
    return (await this.entries)[key];
  }

  async set(key: string, value: unknown): Promise<void> {
    const merged = { ...(await this.read()), [key]: value };
    const w = await (await (await this.root).getFileHandle(this.name, { create: true })).createWritable();
    await w.write(JSON.stringify(merged));
    await w.close();
    this.entries = Promise.resolve(merged);
  }
}

/** The OPFS cache where the browser has OPFS, else a cache in memory. */
export function browserTuningCache(name?: string): TuningCache {
  const root = opfsRoot();
  return root ? new OpfsTuningCache(root, name) : new MemoryTuningCache();
}

/** This browser in tuning keys: its user agent and logical cores. */
export function browserMachineId(): string {
  const nav = (globalThis as { navigator?: { userAgent?: string; hardwareConcurrency?: number } }).navigator;
  return `${nav?.userAgent ?? 'unknown browser'} x${nav?.hardwareConcurrency ?? 1}`;
}
