/**
 * Kernel tuning and profiles on the test adapter (SwiftShader where there is no GPU: tiny shapes, since every
 * candidate compiles a pipeline): candidates are timed, cached per adapter, reloaded; a choice is never slower
 * than the fixed rule on the timings it was made from; tuned executables match the reference; an injected
 * clock decides deterministically. Candidate lists (tilings, split-K, stride phases) are checked without a GPU.
 */
import { describe, expect, test } from 'vitest';
import { Graph, MemoryTuningCache, grad, ops, profileByKind, type CompileSpec } from '@dogo/core';
import { getTestGpu } from '../test_device.js';
import { randomArray } from '../testing/util.js';
import { compareWithReference } from '../testing/parity.js';
import { WebGpuBackend } from '../backend/webgpu_backend.js';
import type { WebGpuExecutable } from '../backend/executable.js';
import { choiceName, gemmCandidates, ruleChoice, type GemmDims } from './gemm_choice.js';

const gpu = await getTestGpu();

/** One conv layer's forward and both gradients, with channels and pixels over 16 so only the square tilings compete. */
function convStep(): CompileSpec {
  const g = new Graph();
  const x = g.input('x', [1, 20, 6, 6]);
  const w = g.state('w', [24, 20, 3, 3]);
  const y = g.scope('layer', () => ops.conv2d(x, w, { padding: [1, 1] }));
  const loss = ops.sum(ops.square(y));
  const [dx, dw] = grad(loss, [x, w]);
  return { outputs: { loss, dx: dx!, dw: dw! }, initialState: { w: randomArray(24 * 20 * 9, 2) } };
}
const feeds = { x: randomArray(20 * 36, 1) };

describe('GEMM candidates (no GPU)', () => {
  const d = (m: number, n: number, k: number, strided = false): GemmDims => ({ m, n, k, strided });
  test('the fixed rule is always the first candidate; quick is a subset of full', () => {
    for (const [op, dims] of [['matmul', d(512, 512, 512)], ['conv2d', d(8, 4096, 72)], ['conv2d_backward_data', d(64, 784, 576, true)], ['conv2d_backward_weight', d(64, 576, 100352)]] as const) {
      const quick = gemmCandidates(op, dims, 'quick').map(choiceName), full = gemmCandidates(op, dims, 'full').map(choiceName);
      expect(quick[0]).toBe(choiceName(ruleChoice(op, dims)));
      expect(full[0]).toBe(quick[0]);
      for (const q of quick) expect(full).toContain(q);
      expect(new Set(full).size).toBe(full.length);
    }
  });
  test('weight gradients try split-K factors, strided input gradients both stride-phase choices', () => {
    const wg = gemmCandidates('conv2d_backward_weight', d(64, 576, 100352), 'full');
    expect(new Set(wg.map((c) => c.splits)).size).toBeGreaterThan(2);
    expect(wg.some((c) => c.splits === 1)).toBe(true);
    const bd = gemmCandidates('conv2d_backward_data', d(64, 784, 576, true), 'quick');
    expect(bd.some((c) => c.phases === true) && bd.some((c) => c.phases === false)).toBe(true);
    expect(gemmCandidates('conv2d_backward_data', d(64, 784, 576, false), 'full').every((c) => c.phases === undefined)).toBe(true);
  });
});

describe.skipIf(!gpu)('kernel tuning on the test adapter', () => {
  test('times candidates, caches them per adapter and reloads them; no choice is slower than the rule; results match the reference', async () => {
    const cache = new MemoryTuningCache();
    const backend = new WebGpuBackend(gpu!.device, { tune: 'quick', tuningCache: cache, adapter: gpu!.handle.info });
    const exe = (await backend.compile(convStep())) as WebGpuExecutable;
    exe.destroy();
    const method = gpu!.device.features.has('timestamp-query') ? 'gpu-timestamps' : 'submit';
    expect(exe.kernelChoices.map((c) => c.op).sort()).toEqual(['conv2d', 'conv2d_backward_data', 'conv2d_backward_weight']);
    for (const c of exe.kernelChoices) {
      expect(c.source).toBe('timed');
      expect(c.timing).toBe(method);
      const rule = c.timings![0]!, chosen = c.timings!.find((t) => t.name === choiceName(c.choice))!;
      expect(rule.name).toBe(choiceName(ruleChoice(c.op, { m: 0, n: 0, k: 0, strided: false, ...dimsOf(c.op) })));
      expect(chosen.ms).toBeLessThanOrEqual(rule.ms);
      expect(c.timings!.length).toBeGreaterThan(1);
    }
    expect(cache.entries.size).toBe(3);
    expect([...cache.entries.keys()].every((k) => k.includes(gpu!.handle.info.architecture) && k.includes(gpu!.handle.info.description))).toBe(true);
    // a second backend (a later process) reuses every choice
    const again = new WebGpuBackend(gpu!.device, { tune: 'full', tuningCache: cache, adapter: gpu!.handle.info });
    const r = await compareWithReference(again, convStep(), feeds);
    expect(r.worst, JSON.stringify(r.errors)).toBeLessThan(1e-4);
    const exe2 = (await again.compile(convStep())) as WebGpuExecutable;
    exe2.destroy();
    expect(exe2.kernelChoices.map((c) => c.source)).toEqual(['cache', 'cache', 'cache']);
    expect(exe2.kernelChoices.map((c) => choiceName(c.choice))).toEqual(exe.kernelChoices.map((c) => choiceName(c.choice)));
  }, 600_000);

  test('with an injected clock the fastest candidate wins and the executable runs it', async () => {
    const g = new Graph();
    const a = g.input('a', [40, 24]);
    const b = g.state('b', [24, 36]);
    const spec = { outputs: { c: ops.matmul(a, b) }, initialState: { b: randomArray(24 * 36, 4) } };
    const backend = new WebGpuBackend(gpu!.device, {
      tune: 'quick', adapter: gpu!.handle.info,
      measure: async (choice, run) => { await run(); return choice.tiling === 'square64' ? 1 : 2; },
    });
    const exe = (await backend.compile(spec)) as WebGpuExecutable;
    exe.destroy();
    expect(exe.kernelChoices).toHaveLength(1);
    expect(exe.kernelChoices[0]).toMatchObject({ source: 'timed', timing: 'injected', choice: { tiling: 'square64' } });
    expect(ruleChoice('matmul', { m: 40, n: 36, k: 24, strided: false }).tiling).not.toBe('square64');
    const r = await compareWithReference(backend, spec, { a: randomArray(40 * 24, 3) });
    expect(r.worst, JSON.stringify(r.errors)).toBeLessThan(1e-5);
  }, 300_000);

  test('profile: one time per command with kind, layer and kernel variant; GPU timestamps when the adapter has them', async () => {
    const backend = new WebGpuBackend(gpu!.device);
    const exe = (await backend.compile(convStep())) as WebGpuExecutable;
    const p = await exe.profile(feeds);
    exe.destroy();
    expect(p.timing).toBe(gpu!.device.features.has('timestamp-query') ? 'gpu-timestamps' : 'submit');
    expect(p.steps.length).toBe(exe.stepLabels.filter((l) => l !== 'copy').length + exe.stepLabels.filter((l) => l === 'copy').length);
    expect(p.steps.every((s) => s.ms >= 0)).toBe(true);
    expect(p.totalMs).toBeCloseTo(p.steps.reduce((acc, s) => acc + s.ms, 0), 6);
    const kinds = profileByKind(p).map((k) => k.name);
    for (const k of ['conv2d', 'conv2d_backward_data', 'conv2d_backward_weight', 'fused pointwise']) expect(kinds).toContain(k);
    expect(p.steps.filter((s) => s.layer === 'layer').map((s) => s.kind).sort()).toEqual(['conv2d', 'conv2d_backward_data', 'conv2d_backward_weight']);
    expect(p.steps.find((s) => s.kind === 'conv2d')!.variant).toMatch(/^conv2d square32$/);
  }, 300_000);
});

/** The GEMM sizes of convStep's three convolution steps. */
function dimsOf(op: string): Partial<GemmDims> {
  if (op === 'conv2d') return { m: 24, n: 36, k: 180 };
  if (op === 'conv2d_backward_data') return { m: 20, n: 36, k: 216 };
  return { m: 24, n: 180, k: 36 };
}
