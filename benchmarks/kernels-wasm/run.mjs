#!/usr/bin/env node
// Runs the wasm kernel benchmark: `node benchmarks/kernels-wasm/run.mjs` (about 2 minutes).
// Enables relaxed SIMD (a V8 flag on Node 20, before any wasm compile), bundles bench.ts from the
// workspace TypeScript sources with esbuild into a temporary file under node_modules/.cache, and runs it.
import v8 from 'node:v8';
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const here = path.dirname(fileURLToPath(import.meta.url));
// inside node_modules/.cache so the bundle resolves the repository's packages
const cache = path.join(here, '../../node_modules/.cache');
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(path.join(cache, 'dogo-bench-'));
const outfile = path.join(dir, 'bench.mjs');
await build({
  entryPoints: [path.join(here, 'bench.ts')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['source'],
  external: ['@tensorflow/*'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
try {
  const { main } = await import(pathToFileURL(outfile).href);
  await main(path.join(here, '../results'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
