/**
 * Holds every backend that exists to every folder of ../shared/vectors, through the same runner that
 * `npm run conformance` uses, and checks the runner's failure modes.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKENDS, createBackend } from './backends.js';
import { runConformance } from './conformance_runner.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const vectorsDir = path.resolve(repoRoot, '../shared/vectors');
const haveVectors = existsSync(vectorsDir);
if (!haveVectors) {
  if (process.env.CI === 'true') throw new Error(`conformance vectors not found at ${vectorsDir}; CI must provide ../shared/vectors`);
  console.warn(`SKIPPED conformance suite: ${vectorsDir} not found`);
}
const subfolders = (dir: string) => (existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join(dir, d.name)) : []);
/** The shared PyTorch vectors, and the project's own (made by tools/vectors/, same format). */
const folders = [...(haveVectors ? subfolders(vectorsDir) : []), ...subfolders(path.join(repoRoot, 'vectors'))];

const skipNoted = new Set<string>();
/**
 * The named backend; a backend that needs a GPU skips (with a message on stderr) where there is no
 * adapter, except under CI=true (or DOGO_REQUIRE_WEBGPU=1), where the missing adapter fails the test.
 */
async function createOrSkip(name: string, skip: (note?: string) => never) {
  try {
    return await createBackend(name);
  } catch (e) {
    if ((e as Error).name !== 'NoAdapterError' || process.env.CI === 'true' || process.env.DOGO_REQUIRE_WEBGPU === '1') throw e;
    if (!skipNoted.has(name)) process.stderr.write(`\n[conformance] SKIPPED backend ${name} (CI=true makes this a failure): ${(e as Error).message}\n`);
    skipNoted.add(name);
    return skip(`no adapter for ${name}`);
  }
}

describe.skipIf(!haveVectors)('conformance vectors', () => {
  for (const name of Object.keys(BACKENDS)) {
    for (const folder of folders) {
      it(`${name} passes every case of ${path.relative(path.dirname(repoRoot), folder)}`, async (ctx) => {
        const lines: string[] = [];
        const summary = await runConformance(await createOrSkip(name, ctx.skip), folder, (l) => lines.push(l));
        expect(lines.join('\n')).toMatch(/\d+ passed, 0 failed$/);
        expect(summary.failed).toBe(0);
        expect(summary.passed).toBeGreaterThan(0);
        expect(summary.exitCode).toBe(0);
      }, 300_000); // SwiftShader compiles WebGPU pipelines slowly: vectors/gradcache alone takes about a minute there
    }
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

  it.skipIf(!haveVectors)('reports the relative error of a case whose expected output is wrong', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dogo-conf-'));
    const c = JSON.parse(readFileSync(path.join(vectorsDir, 'ops', 'relu.json'), 'utf8'));
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
