/** The OPFS tuning cache over a stand-in directory (Node has no OPFS), and the in-memory fallback. */
import { expect, test } from 'vitest';
import { MemoryTuningCache } from '@dogo/core';
import { OpfsTuningCache, browserMachineId, browserTuningCache } from './tuning_cache.js';

/** An OPFS directory stand-in: files are strings; counts how often storage was opened. */
function fakeRoot(files: Map<string, string>) {
  const opened = { count: 0 };
  const root = {
    async getFileHandle(name: string) {
      return {
        async getFile() { return { text: async () => files.get(name) ?? '' }; },
        async createWritable() {
          let data = '';
          return { write: async (d: string) => { data += d; }, close: async () => { files.set(name, data); } };
        },
      };
    },
  };
  return { opened, getRoot: async () => { opened.count++; return root; } };
}

test('keeps entries in one OPFS file that a new instance (a later page) reads back, merging with other writers', async () => {
  const files = new Map<string, string>();
  const { opened, getRoot } = fakeRoot(files);
  const a = new OpfsTuningCache(getRoot);
  expect(opened.count).toBe(0); // storage is touched only when the cache is used
  expect(await a.get('k')).toBeUndefined();
  await a.set('k', { choice: 'square64' });
  expect(JSON.parse(files.get('dogo-tuning.json')!)).toEqual({ k: { choice: 'square64' } });
  const b = new OpfsTuningCache(getRoot);
  await b.set('j', 2);
  expect(await new OpfsTuningCache(getRoot).get('k')).toEqual({ choice: 'square64' });
  expect(JSON.parse(files.get('dogo-tuning.json')!)).toEqual({ k: { choice: 'square64' }, j: 2 });
});

test('a file that does not parse counts as empty', async () => {
  const files = new Map([['dogo-tuning.json', '{ nope']]);
  const c = new OpfsTuningCache(fakeRoot(files).getRoot);
  expect(await c.get('k')).toBeUndefined();
  await c.set('k', 1);
  expect(JSON.parse(files.get('dogo-tuning.json')!)).toEqual({ k: 1 });
});

test('without OPFS (here: Node) the cache lives in memory; the machine id names the engine and cores', () => {
  expect(browserTuningCache()).toBeInstanceOf(MemoryTuningCache);
  expect(browserMachineId()).toMatch(/ x\d+$/);
});
