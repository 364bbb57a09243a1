import { expect, test } from 'vitest';
import { Graph, ops } from '@dogo/core';
import { createBrowserWasmBackend } from './wasm_backend.js';

test('createBrowserWasmBackend compiles and runs a step (single-threaded where there are no Web Workers)', async () => {
  const logs: string[] = [];
  const backend = await createBrowserWasmBackend({ threads: 1, warmUp: false, log: (m) => logs.push(m) });
  expect(backend.name).toBe('wasm');
  expect(backend.runtime.threads).toBe(1);
  const g = new Graph();
  const x = g.input('x', [2, 3]);
  const w = g.state('w', [3]);
  const exe = await backend.compile({ outputs: { y: ops.relu(ops.sub(x, w)) }, updates: { w: ops.add(w, 1) }, initialState: { w: Float32Array.from([1, 2, 3]) } });
  const out = await exe.run({ x: Float32Array.from([0, 5, 1, 4, 1, 9]) });
  expect(Array.from(out['y']!.data)).toEqual([0, 3, 0, 3, 0, 6]);
  expect(Array.from((await exe.readState('w')).data)).toEqual([2, 3, 4]);
  exe.destroy();
  backend.runtime.dispose();
  expect(logs.some((l) => l.includes('1 thread'))).toBe(true);
});
