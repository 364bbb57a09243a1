/**
 * `dogo bench` as a user runs it (the built command in a child process) on wasm at batch 2: --tune off uses the
 * fixed rules, --tune quick times the candidates once and the next run takes them from the cache file (in a
 * scratch DOGO_CACHE_DIR), --profile prints the per-kind, per-layer tables, and bad values name the flag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { main } from '../train/test_dogo_process.js';

let cacheDir = '';
beforeAll(() => { cacheDir = mkdtempSync(path.join(os.tmpdir(), 'dogo-bench-cache-')); });
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const TINY = ['--backend', 'wasm', '--threads', '1', '--batch', '2', '--warmup', '0', '--min-steps', '1', '--seconds', '0.1'];

function bench(args: string[]): { code: number | null; out: string } {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first (npm test does)`);
  const r = spawnSync(process.execPath, [main, 'bench', ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, DOGO_CACHE_DIR: cacheDir } });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

interface BenchJson { tune: string; kernelChoices: { layer: string; op: string; choice: string; source: string }[] }

describe('dogo bench', () => {
  it('--tune off takes every convolution from the rules and writes no cache; --profile prints the tables', () => {
    const r = bench([...TINY, '--tune', 'off', '--profile']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('tuning off');
    expect(r.out).toMatch(/kernel choices \(\d+ rule\):/);
    expect(r.out).toMatch(/profile: wasm, host clock around each plan step; [\d.]+ ms in \d+ steps/);
    for (const heading of ['by kernel kind:', 'by layer (a gradient counts with its layer):', 'by layer and kernel [variant]:']) expect(r.out).toContain(heading);
    expect(r.out).toMatch(/\n {2}conv2d\S*\s+[\d.]+ ms\s+[\d.]+%\s+\d+ launches/);
    expect(existsSync(path.join(cacheDir, 'tuning.json'))).toBe(false);
  });

  it('--tune quick times the candidates once; the next run reads them from the cache', () => {
    const first = bench([...TINY, '--tune', 'quick', '--json']);
    expect(first.code, first.out).toBe(0);
    const a = JSON.parse(first.out.slice(first.out.indexOf('{'), first.out.lastIndexOf('}') + 1)) as BenchJson;
    expect(a.tune).toBe('quick');
    expect(a.kernelChoices.length).toBeGreaterThan(0);
    expect(a.kernelChoices.some((c) => c.source === 'timed')).toBe(true);
    const cache = JSON.parse(readFileSync(path.join(cacheDir, 'tuning.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(cache).length).toBeGreaterThan(0);

    const second = bench([...TINY, '--tune', 'quick', '--json']);
    expect(second.code, second.out).toBe(0);
    const b = JSON.parse(second.out.slice(second.out.indexOf('{'), second.out.lastIndexOf('}') + 1)) as BenchJson;
    expect(b.kernelChoices.filter((c) => c.source === 'timed')).toEqual([]);
    // The same convolutions get the same algorithms, now from the cache (or the rules where only one candidate fits).
    expect(b.kernelChoices.map((c) => `${c.layer} ${c.op} ${c.choice}`)).toEqual(a.kernelChoices.map((c) => `${c.layer} ${c.op} ${c.choice}`));
    expect(b.kernelChoices.some((c) => c.source === 'cache')).toBe(true);
  });

  it('refuses bad values, naming the flag', () => {
    const cases: [string[], string][] = [
      [['--tune', 'fast'], '--tune expects one of off, quick, full, got "fast"'],
      [['--batch', '0'], '--batch expects a positive integer, got "0"'],
      [['--seconds', 'x'], '--seconds expects a positive number, got "x"'],
      [['--recompute', 'sometimes'], '--recompute expects auto, always or never, got "sometimes"'],
      [['--preset', 'huge'], 'unknown preset "huge"'],
    ];
    for (const [args, message] of cases) {
      const r = bench(['--backend', 'wasm', ...args]);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.out, args.join(' ')).toContain(message);
    }
  });
});
