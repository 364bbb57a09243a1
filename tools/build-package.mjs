#!/usr/bin/env node
// Builds the workspace package in the current directory: esbuild bundles each entry to ESM under dist/
// (dependencies stay external), then tsc writes the type declarations beside them.
// Entries and platform come from package.json "dogo": {"entries": [...], "platform": "node"|"neutral"|"browser"}.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const cwd = process.cwd();
const pkg = JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8'));
const cfg = pkg.dogo ?? {};
const entries = cfg.entries ?? ['src/index.ts'];
const platform = cfg.platform ?? 'neutral';

rmSync(path.join(cwd, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: entries,
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  format: 'esm',
  platform,
  target: 'es2022',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  conditions: ['source'],
  loader: { '.wasm': 'binary', '.wgsl': 'text', '.gz': 'binary' },
});
if (existsSync(path.join(cwd, 'tsconfig.json')) && cfg.declarations !== false) {
  const require = createRequire(import.meta.url);
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--emitDeclarationOnly', '--outDir', 'dist'], { stdio: 'inherit' });
}
