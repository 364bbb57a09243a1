#!/usr/bin/env node
// Runs a build script whose imports include TypeScript (typed tables, the core's sources) on Node 20, which
// cannot load .ts itself: esbuild bundles the entry next to it (so import.meta.url keeps its folder), the
// bundle's exported main(args) runs, and the bundle is removed. Packages resolve to their sources through the
// "source" export condition; wabt stays external. With --built, every package stays external and resolves as it
// does for a user, to the built dist/ (examples/ run this way). Usage: node tools/run-ts.mjs [--built] ENTRY [args...]
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const built = argv[0] === '--built';
const [entry, ...args] = built ? argv.slice(1) : argv;
if (!entry) {
  console.error('usage: node tools/run-ts.mjs [--built] ENTRY [args...]');
  process.exit(2);
}
const out = path.join(path.dirname(path.resolve(entry)), `.${path.basename(entry)}.bundle.mjs`);
await build({
  entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20',
  logLevel: 'warning', ...(built ? { packages: 'external' } : { conditions: ['source'], external: ['wabt'] }),
});
try {
  const mod = await import(pathToFileURL(out).href);
  if (typeof mod.main !== 'function') throw new Error(`${entry} exports no main(args)`);
  await mod.main(args);
} finally {
  rmSync(out, { force: true });
}
