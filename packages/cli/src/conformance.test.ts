/**
 * Holds every backend that exists to every folder of the repository's vectors/ and, where present, of
 * ../shared/vectors (tools/vectors/vector_folders.ts), through the same runner that `npm run conformance`
 * uses, with the fixed kernel rules and, on the backends that tune (wasm: convolution algorithms, Winograd
 * among them; WebGPU: GEMM tilings, split-K, stride phases), with tuning on; and checks the runner's failure
 * modes.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CASE_BUILDERS } from '@dogo/core';
import type { TuneMode } from '@dogo/core';
import { BACKENDS, createBackend } from './backends.js';
import { runConformance } from './conformance_runner.js';
import { REPO_ROOT, REPO_VECTORS, caseFiles, sharedVectorsDir, vectorFolders } from '../../../tools/vectors/vector_folders.js';

const folders = vectorFolders();

/** Every backend with its fixed rules, then the backends that tune with tuning on. */
const RUNS: { name: string; tune: TuneMode }[] = [
  ...Object.keys(BACKENDS).map((name) => ({ name, tune: 'off' as const })),
  ...['wasm', 'webgpu'].filter((name) => name in BACKENDS).map((name) => ({ name, tune: 'quick' as const })),
];
// Tuned choices go to a fresh cache file of this run, not the user's (the backends read it when made).
process.env['DOGO_CACHE_DIR'] = mkdtempSync(path.join(os.tmpdir(), 'dogo-conf-tuning-'));

const skipNoted = new Set<string>();
/**
 * The named backend; a backend that needs a GPU skips (with a message on stderr) where there is no
 * adapter, except under CI=true (or DOGO_REQUIRE_WEBGPU=1), where the missing adapter fails the test.
 */
async function createOrSkip(name: string, tune: TuneMode, skip: (note?: string) => never) {
  try {
    return await createBackend(name, { tune });
  } catch (e) {
    if ((e as Error).name !== 'NoAdapterError' || process.env.CI === 'true' || process.env.DOGO_REQUIRE_WEBGPU === '1') throw e;
    if (!skipNoted.has(name)) process.stderr.write(`\n[conformance] SKIPPED backend ${name} (CI=true makes this a failure): ${(e as Error).message}\n`);
    skipNoted.add(name);
    // The run's closing line groups skips by the install command at the end of the note.
    return skip(`no adapter for ${name} (apt-get install chromium libvulkan1)`);
  }
}

describe('conformance vectors', () => {
  for (const { name, tune } of RUNS) {
    for (const folder of folders) {
      it(`${name}${tune === 'off' ? '' : ` (tune ${tune})`} passes every case of ${path.relative(REPO_ROOT, folder)}`, async (ctx) => {
        const lines: string[] = [];
        const summary = await runConformance(await createOrSkip(name, tune, ctx.skip), folder, (l) => lines.push(l));
        expect(lines.join('\n')).toMatch(/\d+ passed, 0 failed$/);
        expect(summary.failed).toBe(0);
        expect(summary.passed).toBeGreaterThan(0);
        expect(summary.exitCode).toBe(0);
      }, tune === 'off' ? 300_000 : 900_000); // SwiftShader compiles WebGPU pipelines slowly (vectors/gradcache alone takes about a minute there; tuning builds every candidate kernel per shape)
    }
  }
});

describe("the repository's vectors", () => {
  const opsIn = (dir: string) => new Set(caseFiles(dir).map((f) => (JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { op: string }).op));

  it('have a case for every op the runner can build (tools/vectors/make_vectors.py makes them)', () => {
    const have = opsIn(REPO_VECTORS);
    expect(Object.keys(CASE_BUILDERS).filter((op) => !have.has(op))).toEqual([]);
  });

  // Registered only where the shared set is, so a clone without it has nothing to skip.
  const shared = sharedVectorsDir();
  if (shared) {
    it('cover every op of the shared set, so a clone without it tests as much', () => {
      const have = opsIn(REPO_VECTORS);
      expect([...opsIn(shared)].filter((op) => !have.has(op))).toEqual([]);
    });
  }
});

describe('conformance runner', () => {
  it('fails on a folder with no case', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dogo-conf-'));
    const lines: string[] = [];
    const s = await runConformance(await createBackend('reference'), dir, (l) => lines.push(l));
    expect(s.exitCode).toBe(1);
    expect(lines.at(-1)).toBe('0 passed, 0 failed');
  });

  it('counts an unknown op as a failed case, by name', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dogo-conf-'));
    const t = { shape: [1], dtype: 'float32', data: Buffer.from(new Float32Array([1]).buffer).toString('base64') };
    writeFileSync(path.join(dir, 'mystery.json'), JSON.stringify({ op: 'frobnicate', attrs: {}, inputs: { x: t }, outputs: { y: t }, tolerance: 1e-4 }));
    const lines: string[] = [];
    const s = await runConformance(await createBackend('reference'), dir, (l) => lines.push(l));
    expect(s.exitCode).toBe(1);
    expect(lines.join('\n')).toContain('unknown op "frobnicate"');
    expect(lines.at(-1)).toBe('0 passed, 1 failed');
  });

  it('reports the relative error of a case whose expected output is wrong', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dogo-conf-'));
    const c = JSON.parse(readFileSync(path.join(REPO_VECTORS, 'ops', 'relu.json'), 'utf8'));
    const y = new Float32Array(Uint8Array.from(Buffer.from(c.outputs.y.data, 'base64')).buffer);
    y[0] = y[0]! + 100;
    c.outputs.y.data = Buffer.from(y.buffer).toString('base64');
    writeFileSync(path.join(dir, 'relu_broken.json'), JSON.stringify(c));
    const lines: string[] = [];
    const s = await runConformance(await createBackend('reference'), dir, (l) => lines.push(l));
    expect(s.exitCode).toBe(1);
    expect(lines[0]).toMatch(/^FAIL relu_broken\.json \(relu\): y rel\.err \d\.\d+e[+-]\d+/);
  });
});
