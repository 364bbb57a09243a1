#!/usr/bin/env node
// Checks that dependencies point one way (docs/ARCHITECTURE.md): every `@dogo/*` import in a package's
// sources is allowed by the layering table below AND listed in that package's package.json dependencies.
// Tests and test helpers are exempt from the layering (not from listing nothing unknown).
// Prints each violation with file and line; exit 1 if any. Run: node tools/check-deps.mjs
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Which @dogo packages each package may import (down the architecture table). */
export const ALLOWED = {
  '@dogo/core': [],
  '@dogo/shaders-tensor': [],
  '@dogo/backend-webgpu': ['@dogo/core', '@dogo/shaders-tensor'],
  '@dogo/backend-wasm': ['@dogo/core'],
  '@dogo/nn': ['@dogo/core'],
  '@dogo/data': ['@dogo/core'],
  '@dogo/ssl': ['@dogo/core', '@dogo/nn', '@dogo/data'],
  // ONNX export of nn's modules: reads model definitions and weights, knows nothing of training or files.
  '@dogo/onnx': ['@dogo/core', '@dogo/nn'],
  // The embedding service: serves an encoder (nn) with ssl's kNN; decodes images with data; the backend is passed in.
  '@dogo/serve': ['@dogo/core', '@dogo/nn', '@dogo/data', '@dogo/ssl'],
  '@dogo/node': ['@dogo/core', '@dogo/backend-wasm', '@dogo/backend-webgpu', '@dogo/shaders-tensor'],
  '@dogo/browser': ['@dogo/core', '@dogo/backend-wasm', '@dogo/backend-webgpu', '@dogo/shaders-tensor'],
  '@dogo/web': ['@dogo/core', '@dogo/nn', '@dogo/data', '@dogo/ssl', '@dogo/onnx', '@dogo/browser'],
  '@dogo/cli': ['@dogo/core', '@dogo/nn', '@dogo/data', '@dogo/ssl', '@dogo/onnx', '@dogo/serve', '@dogo/node', '@dogo/backend-wasm', '@dogo/backend-webgpu'],
};

function files(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|mts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

export function checkDeps() {
  const problems = [];
  for (const group of ['packages', 'shaders', 'apps']) {
    const base = path.join(root, group);
    if (!existsSync(base)) continue;
    for (const dir of readdirSync(base)) {
      const pkgFile = path.join(base, dir, 'package.json');
      if (!existsSync(pkgFile)) continue;
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
      const allowed = ALLOWED[pkg.name];
      if (!allowed) {
        problems.push(`${pkgFile}: package ${pkg.name} is not in the layering table of tools/check-deps.mjs`);
        continue;
      }
      const declared = new Set(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }));
      const src = path.join(base, dir, 'src');
      if (!existsSync(src)) continue;
      for (const f of files(src)) {
        // Tests and their helpers (test_*.ts, testing/) may use an adapter to get a device; shipped code may not.
        const isTest = /\.test\.[mc]?[jt]s$|(^|\/)test_[^/]*\.ts$|\/testing\//.test(f);
        readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
          for (const m of line.matchAll(/(?:from\s+|import\s*\(\s*)['"](@dogo\/[\w-]+)(?:\/[\w./-]*)?['"]/g)) {
            const dep = m[1];
            if (dep === pkg.name) continue;
            const where = `${path.relative(root, f)}:${i + 1}`;
            // Tests may reach further down (a cli test loading data), never up.
            if (!allowed.includes(dep) && !isTest) {
              problems.push(`${where}: ${pkg.name} may not import ${dep} (allowed: ${allowed.join(', ') || 'nothing of ours'})`);
            } else if (!isTest && !declared.has(dep)) {
              problems.push(`${where}: ${pkg.name} imports ${dep} but does not list it in package.json dependencies`);
            }
          }
        });
      }
    }
  }
  return problems;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = checkDeps();
  for (const p of problems) console.error(p);
  console.log(problems.length === 0 ? 'dependency direction: ok' : `dependency direction: ${problems.length} problem(s)`);
  process.exit(problems.length === 0 ? 0 : 1);
}
