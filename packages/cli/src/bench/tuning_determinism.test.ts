/**
 * Tuning never makes training depend on timing: two runs with the same seed and the same tuning cache give
 * bit-identical weights on the wasm backend (the second run takes every choice from the cache), as do two runs
 * with tuning off (the fixed rule). The algorithm does change the rounding, which is why the cache matters:
 * im2col and Winograd runs differ. Also: `profileStep` profiles a step per kernel kind and layer.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryTuningCache, profileByKind, type HostTensor, type TuneMode } from '@dogo/core';
import { createNodeWasmBackend } from '@dogo/node';
import type { Conv2dAlgorithm, WasmBackend } from '@dogo/backend-wasm';
import { CohortTrainer } from '@dogo/ssl';
import { DOGO_STEP_REFERENCE, dogoStepCohort, kernelChoicesOf, randomImages, type DogoStepSpec } from './dogo_step.js';

/** Small enough for seconds, wide enough (8 and 16 channels) that Winograd applies to every 3x3 stride-1 layer. */
const SPEC: DogoStepSpec = {
  ...DOGO_STEP_REFERENCE,
  batchSize: 4,
  imageShape: [1, 12, 12],
  models: [
    { name: 'student', stageChannels: [8, 16], blocksPerStage: 1, lambda: 100 },
    { name: 'peer', stageChannels: [16, 16], blocksPerStage: 1, lambda: 1 },
  ],
  headHidden: 16,
  headOut: 8,
};

const backends: WasmBackend[] = [];
afterAll(() => { for (const b of backends) b.runtime.dispose(); });

async function train(options: { tune?: TuneMode; cache?: MemoryTuningCache; conv?: Conv2dAlgorithm }) {
  const backend = await createNodeWasmBackend({ threads: 2, tune: options.tune ?? 'off', tuningCache: options.cache ?? new MemoryTuningCache(), machine: 'test', convAlgorithm: options.conv });
  backends.push(backend);
  const trainer = await CohortTrainer.create(backend, dogoStepCohort(SPEC), { seed: 3, totalSteps: 10 });
  for (let i = 0; i < 3; i++) await trainer.trainStep(randomImages(SPEC, 11 + i));
  const state = await trainer.readAllState();
  const choices = trainer.executables.flatMap((e) => kernelChoicesOf(e.executable));
  trainer.destroy();
  return { state, choices };
}

function identical(a: Record<string, HostTensor>, b: Record<string, HostTensor>): boolean {
  const names = Object.keys(a);
  if (names.length === 0 || names.length !== Object.keys(b).length) return false;
  return names.every((k) => {
    const x = a[k]!.data, y = b[k]!.data;
    return x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
  });
}

describe('tuning and determinism (wasm)', () => {
  it('two runs with the same seed and tuning cache give identical weights; the second takes every choice from the cache', async () => {
    const cache = new MemoryTuningCache();
    const a = await train({ tune: 'quick', cache });
    const b = await train({ tune: 'quick', cache });
    expect(a.choices.some((c) => c.source === 'timed')).toBe(true);
    expect(b.choices.filter((c) => c.source === 'timed')).toEqual([]);
    expect(b.choices.map((c) => c.choice)).toEqual(a.choices.map((c) => c.choice));
    expect(identical(a.state, b.state)).toBe(true);
  }, 120_000);

  it('two runs with tuning off (the fixed rule: Winograd F(4x4) on every 3x3 stride-1 layer) give identical weights', async () => {
    const a = await train({});
    const b = await train({});
    const winograd = a.choices.filter((c) => c.choice === 'winograd_f4');
    expect(winograd.length).toBeGreaterThan(0);
    expect(a.choices.every((c) => c.source === 'rule')).toBe(true);
    expect(identical(a.state, b.state)).toBe(true);
  }, 120_000);

  it('the algorithm changes the rounding: im2col and Winograd runs differ (so choices must come from one place)', async () => {
    const a = await train({ conv: 'im2col' });
    const b = await train({ conv: 'winograd_f4' });
    expect(identical(a.state, b.state)).toBe(false);
  }, 120_000);

  it('profileStep times every plan step, with kernel kinds, layers and the convolution algorithm', async () => {
    const backend = await createNodeWasmBackend({ threads: 2, tune: 'off' });
    backends.push(backend);
    const trainer = await CohortTrainer.create(backend, dogoStepCohort(SPEC), { seed: 3, totalSteps: 10 });
    const p = await trainer.profileStep(randomImages(SPEC, 1));
    trainer.destroy();
    expect(p.backend).toBe('wasm');
    expect(p.timing).toBe('wall');
    expect(p.totalMs).toBeCloseTo(p.steps.reduce((a, s) => a + s.ms, 0), 6);
    const kinds = profileByKind(p).map((r) => r.name);
    for (const k of ['conv2d', 'conv2d_backward_data', 'conv2d_backward_weight', 'matmul', 'fused pointwise']) expect(kinds).toContain(k);
    // gradients are attributed to their layer: one layer's forward and both gradients, with the algorithm
    const layer = p.steps.filter((s) => s.layer === 'student.layer1.0.conv2');
    expect(layer.map((s) => `${s.kind} ${s.variant}`).sort()).toEqual(['conv2d winograd_f4', 'conv2d_backward_data winograd_f4', 'conv2d_backward_weight winograd_f4']);
    expect(trainer.stepIndex).toBe(1);
  }, 120_000);
});
