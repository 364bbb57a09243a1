/**
 * The packages as an npm user gets them: every publishable workspace is packed (`npm pack`), each tarball is
 * checked (LICENSE, README, every export, type and bin target inside it, every sourcemap source inside it), the
 * tarballs are installed offline into a temporary consumer project, whose script (consumer/) is type-checked with
 * `tsc --strict` and `skipLibCheck: false` under Node's own module resolution, run for three training steps on
 * wasm, and bundled for a browser (no Node import may leak into that bundle). Needs `npm run build` first (the
 * tarballs hold dist/) and the npm cache that `npm ci` filled.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONSUMER = path.join(ROOT, 'tools/pack/consumer');

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: unknown;
  types?: string;
  bin?: Record<string, string>;
  sideEffects?: unknown;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
}

/** The publishable workspaces (packages/* and shaders/*, not private): folder and manifest. */
function publishable(): { dir: string; manifest: Manifest }[] {
  return ['packages', 'shaders'].flatMap((top) =>
    readdirSync(path.join(ROOT, top)).map((d) => path.join(ROOT, top, d)).filter((dir) => existsSync(path.join(dir, 'package.json')))
      .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest }))
      .filter((p) => !p.manifest.private));
}

/** Every file path an `exports` map names (all conditions). */
function exportTargets(e: unknown): string[] {
  if (typeof e === 'string') return [e];
  if (e && typeof e === 'object') return Object.values(e).flatMap(exportTargets);
  return [];
}

type LockEntry = { version?: string; integrity?: string; resolved?: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; [k: string]: unknown };

/**
 * The consumer's lockfile: the tarballs, and every registry package they need at the version and integrity of the
 * repository's lockfile. `npm ci --offline` then installs from the cache `npm ci` filled (an `npm install` would
 * need the registry's package documents, which that cache lacks).
 */
function consumerLockfile(dependencies: Record<string, string>, packed: { name: string; filename: string; integrity: string }[], packages: { manifest: Manifest }[]) {
  const repo = (JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const entries: Record<string, LockEntry> = { '': { name: 'consumer', dependencies } };
  const visit = (name: string, from: string) => {
    // Node's lookup: the nearest node_modules folder up from the dependent that holds the name.
    let key: string | undefined;
    for (let at = from; ; at = at.slice(0, Math.max(0, at.lastIndexOf('/node_modules/')))) {
      const k = `${at ? `${at}/` : ''}node_modules/${name}`;
      if (repo[k]) { key = k; break; }
      if (!at) break;
    }
    if (!key) throw new Error(`pack test: ${name} (needed by ${from || 'a package'}) is not in package-lock.json`);
    if (entries[key]) return;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = repo[key]!;
    // The registry's tarball address, which the repository's lockfile leaves out: npm would ask the registry for it.
    const base = name.slice(name.lastIndexOf('/') + 1);
    entries[key] = { ...entry, resolved: entry.resolved ?? `https://registry.npmjs.org/${name}/-/${base}-${entry.version}.tgz` };
    for (const d of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) visit(d, key);
  };
  for (const { manifest } of packages) {
    const p = packed.find((q) => q.name === manifest.name)!;
    entries[`node_modules/${manifest.name}`] = { version: manifest.version, resolved: `file:../tarballs/${p.filename}`, integrity: p.integrity, ...(manifest.dependencies ? { dependencies: manifest.dependencies } : {}) };
    for (const d of Object.keys(manifest.dependencies ?? {})) if (!d.startsWith('@dogo/')) visit(d, '');
  }
  return { name: 'consumer', lockfileVersion: 3, requires: true, packages: entries };
}

const norm = (p: string) => path.posix.normalize(p.replace(/^\.\//, ''));

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`);
  }
}

describe('npm pack, install and use', () => {
  const packages = publishable();
  let tmp: string;
  let packed: { name: string; filename: string; integrity: string; files: { path: string }[] }[];
  let project: string;

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'dogo-pack-'));
    const tarballs = path.join(tmp, 'tarballs');
    mkdirSync(tarballs);
    const args = ['pack', '--json', '--pack-destination', tarballs, ...packages.flatMap((p) => ['-w', p.manifest.name])];
    packed = JSON.parse(run('npm', args, ROOT));
    project = path.join(tmp, 'consumer');
    mkdirSync(project);
    const dependencies = Object.fromEntries(packed.map((p) => [p.name, `file:../tarballs/${p.filename}`]));
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies }, null, 2));
    writeFileSync(path.join(project, 'package-lock.json'), JSON.stringify(consumerLockfile(dependencies, packed, packages), null, 2));
    // No install scripts: nothing a library user needs runs there, and some would reach for the network.
    run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], project);
    for (const f of readdirSync(CONSUMER)) cpSync(path.join(CONSUMER, f), path.join(project, f));
    // Every entry of every package, so tsc checks every declaration file shipped.
    const entries = packages.flatMap(({ manifest }) => Object.keys(manifest.exports as Record<string, unknown>).map((sub) => `${manifest.name}${sub.slice(1)}`));
    writeFileSync(path.join(project, 'all_packages.ts'), [
      ...entries.map((e, i) => `import type * as p${i} from '${e}';`),
      `export type Packages = [${entries.map((_, i) => `typeof p${i}`).join(', ')}];`,
    ].join('\n'));
  }, 600_000);

  afterAll(() => {
    // DOGO_KEEP_PACK=1 keeps the tarballs and the consumer project for a look (the path is printed).
    if (process.env['DOGO_KEEP_PACK'] === '1') console.log(`pack test: kept ${tmp}`);
    else if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('every package is packed, with LICENSE, README, engines, sideEffects and every file its manifest names', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(packages.map((p) => p.manifest.name).sort());
    for (const { manifest } of packages) {
      const files = new Set(packed.find((p) => p.name === manifest.name)!.files.map((f) => f.path));
      expect(files.has('LICENSE'), `${manifest.name}: LICENSE`).toBe(true);
      expect(files.has('README.md'), `${manifest.name}: README.md`).toBe(true);
      expect(manifest.engines?.['node'], `${manifest.name}: engines.node`).toBeDefined();
      expect(manifest.sideEffects, `${manifest.name}: sideEffects`).toBeDefined();
      const named = [...exportTargets(manifest.exports), ...(manifest.types ? [manifest.types] : []), ...Object.values(manifest.bin ?? {})];
      for (const t of named) expect(files.has(norm(t)), `${manifest.name}: ${t} is named in package.json but not in the tarball`).toBe(true);
    }
  });

  test('every sourcemap source is in the tarball', () => {
    for (const { dir, manifest } of packages) {
      const files = new Set(packed.find((p) => p.name === manifest.name)!.files.map((f) => f.path));
      for (const map of [...files].filter((f) => f.endsWith('.js.map'))) {
        const { sources } = JSON.parse(readFileSync(path.join(dir, map), 'utf8')) as { sources: string[] };
        for (const s of sources) expect(files.has(norm(path.posix.join(path.posix.dirname(map), s))), `${manifest.name}: ${map} names ${s}`).toBe(true);
      }
    }
  });

  test('a consumer script type-checks with tsc --strict and skipLibCheck false, and trains three steps on wasm', () => {
    writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, skipLibCheck: false, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023', 'DOM'],
        types: ['node'], typeRoots: [path.join(ROOT, 'node_modules/@types')], outDir: 'out',
      },
      files: ['main.ts', 'all_packages.ts'],
      // DOM: @webgpu/types and WebAssembly's types are declared there.
    }, null, 2));
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], project);
    // @dogo/backend-webgpu's declarations must bring @webgpu/types themselves.
    writeFileSync(path.join(project, 'tsconfig.webgpu.json'), JSON.stringify({
      compilerOptions: { strict: true, skipLibCheck: false, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023', 'DOM'], types: [] },
      files: ['webgpu_only.ts'],
    }));
    run(process.execPath, [tsc, '-p', 'tsconfig.webgpu.json'], project);
    // 48 samples in batches of 16: one epoch is three steps.
    const result = JSON.parse(run(process.execPath, ['out/main.js', '1', '48'], project)) as { steps: number; losses: number[]; accuracy: number };
    expect(result.steps).toBe(3);
    expect(result.losses).toHaveLength(1);
    expect(Number.isFinite(result.losses[0])).toBe(true);
    expect(result.accuracy).toBeGreaterThanOrEqual(0);
  }, 300_000);

  test('the same script bundles for a browser from the installed packages, with no Node import', async () => {
    const out = await build({
      entryPoints: [path.join(project, 'classifier.ts')], absWorkingDir: project, bundle: true, format: 'esm', platform: 'browser',
      target: 'es2022', minify: true, write: false, metafile: true, logLevel: 'silent',
    });
    const imports = Object.values(out.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports.filter((p) => p.startsWith('node:') || ['fs', 'path', 'worker_threads', 'webgpu'].includes(p))).toEqual([]);
    expect(Object.keys(out.metafile.inputs).filter((p) => p.includes('@dogo/node'))).toEqual([]);
  }, 120_000);
});
