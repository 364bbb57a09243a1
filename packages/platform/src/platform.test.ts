/**
 * @dogo/platform's export conditions: Node resolves to @dogo/node's createBackend, a browser bundle to
 * @dogo/browser's (and carries no Node adapter or Dawn).
 */
import { expect, test } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import * as nodeAdapter from '@dogo/node';
import * as platform from '@dogo/platform';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

test('on Node, createBackend is @dogo/node\'s', () => {
  expect(platform.createBackend).toBe(nodeAdapter.createBackend);
  expect(platform.selectBackend).toBe(nodeAdapter.selectBackend);
});

test('a browser bundle takes @dogo/browser\'s createBackend and nothing of @dogo/node or Dawn', async () => {
  const r = await build({
    stdin: { contents: "import { createBackend } from '@dogo/platform'; export const make = () => createBackend('wasm');", resolveDir: ROOT, loader: 'ts' },
    bundle: true, format: 'esm', platform: 'browser', write: false, metafile: true, logLevel: 'silent', conditions: ['source'],
    loader: { '.wgsl': 'text', '.wasm': 'binary' },
  });
  const inputs = Object.keys(r.metafile.inputs);
  expect(inputs.some((f) => f.startsWith('packages/browser/src/create_backend.ts'))).toBe(true);
  expect(inputs.filter((f) => f.startsWith('packages/node/') || f.includes('node_modules/webgpu/'))).toEqual([]);
});
