import { describe, expect, it } from 'vitest';
import { ReferenceBackend } from '@dogo/core';
import { ProjectionHead, forwardFlops, resnetSmall } from '@dogo/nn';
import { DOGO_STEP_REFERENCE, dogoStepFlops, measureDogoStep, timeSteps, type DogoStepSpec } from './dogo_step.js';

/** The reference configuration shrunk to run in seconds on the reference backend. */
const TINY: DogoStepSpec = {
  ...DOGO_STEP_REFERENCE,
  batchSize: 2,
  imageShape: [1, 8, 8],
  models: [
    { name: 'student', stageChannels: [2, 4], blocksPerStage: 1, lambda: 100 },
    { name: 'peer', stageChannels: [4, 4], blocksPerStage: 1, lambda: 1 },
  ],
  headHidden: 8,
  headOut: 4,
};

describe('dogo step benchmark', () => {
  it('counts forward FLOPs of encoder + head x3 x2 views x batch, summed over the models', () => {
    const f = dogoStepFlops(TINY);
    let forward = 0;
    for (const m of TINY.models) {
      const enc = resnetSmall({ stageChannels: m.stageChannels, blocksPerStage: m.blocksPerStage, inChannels: 1, stem: 'cifar' });
      const head = new ProjectionHead(enc.featureDim, TINY.headHidden, TINY.headOut);
      const row = f.models.find((r) => r.name === m.name)!;
      expect(row.encoderForward).toBe(forwardFlops(enc, [1, 8, 8]));
      expect(row.headForward).toBe(2 * (enc.featureDim * 8 + 8 * 4)); // Linear no bias + Linear, one image
      forward += forwardFlops(enc, [1, 8, 8]) + row.headForward;
    }
    expect(f.forwardPerImage).toBe(forward);
    expect(f.perStep).toBe(forward * 3 * 2 * TINY.batchSize);
  });

  it('gives the reference configuration its published size', () => {
    const f = dogoStepFlops(DOGO_STEP_REFERENCE);
    // forwardFlops of the two encoders (28x28x1): 161,014,784 and 643,155,968.
    expect(f.models.map((m) => m.encoderForward)).toEqual([161_014_784, 643_155_968]);
    expect(f.models.map((m) => m.headForward)).toEqual([2 * (128 * 512 + 512 * 128), 2 * (256 * 512 + 512 * 128)]);
  });

  it('times steps on the reference backend: positive images/s, plan FLOPs near the 3x convention', async () => {
    const seen: string[] = [];
    const m = await measureDogoStep(new ReferenceBackend(), TINY, { seconds: 0.05, warmupSteps: 1, minSteps: 2, onStep: (s) => seen.push(s.phase) });
    expect(seen).toEqual(['warmup', ...m.stepSeconds.map(() => 'timed')]);
    expect(m.stepSeconds.length).toBeGreaterThanOrEqual(2);
    expect(m.imagesPerSecond).toBeGreaterThan(0);
    expect(m.imagesPerSecond).toBeCloseTo(TINY.batchSize / m.secondsPerStep, 6);
    expect(m.gflopsPerSecond).toBeCloseTo(m.flops.perStep / m.secondsPerStep / 1e9, 9);
    for (const l of Object.values(m.lastLosses)) expect(Number.isFinite(l.loss)).toBe(true);
    // The compiled step runs forward, input and weight gradients (no input gradient for the stem) plus the
    // losses' small matmuls: between 2x and a little over 3x the forward count.
    expect(m.planFlopsPerStep).toBeGreaterThan(2 * m.flops.perStep / 3);
    expect(m.planFlopsPerStep).toBeLessThan(1.5 * m.flops.perStep);
  }, 60_000);

  it('stops before maxSeconds once a step has run', async () => {
    let calls = 0;
    const t = await timeSteps(async () => { calls++; await new Promise((r) => setTimeout(r, 20)); }, { seconds: 10, warmupSteps: 0, minSteps: 5, maxSeconds: 0.05 });
    expect(t.stepSeconds.length).toBeGreaterThanOrEqual(1);
    expect(t.stepSeconds.length).toBeLessThan(5);
    expect(calls).toBe(t.stepSeconds.length);
  });
});
