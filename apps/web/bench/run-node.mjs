#!/usr/bin/env node
// Bundles node_images_per_second.ts (workspace packages from their TypeScript sources) and runs it.
// Usage: node apps/web/bench/run-node.mjs "batch=32&steps=12&size=28" [threads]
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// Inside the root node_modules (ignored by git), so the bundle's external npm imports resolve.
const out = path.resolve(here, '../../../node_modules/.cache/dogo-web-bench/bench.mjs');
await build({ entryPoints: [path.join(here, 'node_images_per_second.ts')], outfile: out, bundle: true, platform: 'node', format: 'esm', conditions: ['source'], external: ['webgpu', 'pngjs', 'jpeg-js'], logLevel: 'warning' });
const { measure } = await import(pathToFileURL(out).href);
const query = process.argv[2] ?? '';
const threads = process.argv[3] ? Number(process.argv[3]) : 'auto';
console.log(JSON.stringify({ platform: 'node', query, ...(await measure(query, path.resolve(here, '../../../packages/data/assets/fashion-mnist-subset') + '/', threads)) }));
process.exit(0);
