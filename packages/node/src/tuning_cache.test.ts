import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonFileTuningCache, nodeCacheDir, nodeMachineId, nodeTuningCache } from './tuning_cache.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dogo-tuning-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('JsonFileTuningCache', () => {
  it('keeps entries in one JSON file that a new instance (a later process) reads back', async () => {
    const file = path.join(dir, 'a', 'tuning.json');
    const first = new JsonFileTuningCache(file);
    expect(await first.get('k')).toBeUndefined();
    await first.set('k', { algorithm: 'winograd_f4', timings: { im2col: 3 } });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ k: { algorithm: 'winograd_f4', timings: { im2col: 3 } } });
    expect(await new JsonFileTuningCache(file).get('k')).toEqual({ algorithm: 'winograd_f4', timings: { im2col: 3 } });
  });

  it("keeps another writer's entries (each write merges with the file)", async () => {
    const file = path.join(dir, 'b.json');
    const a = new JsonFileTuningCache(file), b = new JsonFileTuningCache(file);
    await a.get('x');
    await b.set('y', 2);
    await a.set('x', 1);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ x: 1, y: 2 });
  });

  it('treats a file that does not parse as empty and replaces it on the next write', async () => {
    const file = path.join(dir, 'c.json');
    writeFileSync(file, '{ not json');
    const c = new JsonFileTuningCache(file);
    expect(await c.get('k')).toBeUndefined();
    await c.set('k', 1);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ k: 1 });
  });

  it('lives in DOGO_CACHE_DIR, else $XDG_CACHE_HOME/dogo, else ~/.cache/dogo; the machine id names CPU, cores and engine', () => {
    expect(nodeCacheDir({ DOGO_CACHE_DIR: '/x', XDG_CACHE_HOME: '/y' })).toBe('/x');
    expect(nodeCacheDir({ XDG_CACHE_HOME: '/y' })).toBe(path.join('/y', 'dogo'));
    expect(nodeCacheDir({})).toBe(path.join(os.homedir(), '.cache', 'dogo'));
    expect(nodeTuningCache('/z').file).toBe(path.join('/z', 'tuning.json'));
    expect(nodeMachineId()).toContain(`x${os.cpus().length} ${process.arch} v8 ${process.versions.v8}`);
  });
});
