import { describe, expect, it } from 'vitest';
import { ReferenceBackend } from '@dogo/core';
import { ProjectionHead, forwardFlops, resnet18, resnet50 } from '@dogo/nn';
import { DOGO_STEP_PAPER, DOGO_STEP_REFERENCE, dogoStepEncoder, dogoStepFlops, measureDogoStep, timeSteps, type DogoStepSpec } from './dogo_step.js';

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
      const enc = dogoStepEncoder(TINY, m);
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

  it('gives the paper preset torchvision\'s ResNet-18 and ResNet-50 with the CIFAR stem', () => {
    const f = dogoStepFlops(DOGO_STEP_PAPER);
    expect(f.models.map((m) => m.encoderForward)).toEqual([resnet18({ inChannels: 1, stem: 'cifar' }), resnet50({ inChannels: 1, stem: 'cifar' })].map((e) => forwardFlops(e, [1, 28, 28])));
    // torchvision's counts without fc, with the 3x3 CIFAR stem on 3 channels (11,168,832 and 23,500,352), less
    // the stem's two missing input channels (64 x 2 x 3 x 3), plus the head Linear(d, 512) + BN + Linear(512, 128)
    const head = (d: number) => d * 512 + 2 * 512 + 512 * 128 + 128;
    expect(f.models.map((m) => m.parameters)).toEqual([11_168_832 - 1152 + head(512), 23_500_352 - 1152 + head(2048)]);
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
    expect(m.layout).toBe('the one-graph step fits');
    expect(m.executables.map((e) => e.name)).toEqual(['cohort']);
    expect(m.planPeakBytes).toBe(m.executables[0]!.peakBytes);
  }, 60_000);

  it('times a chunked step: one more forward per chunk in the plan FLOPs, every executable reported', async () => {
    const spec = { ...TINY, batchSize: 4 };
    const one = await measureDogoStep(new ReferenceBackend(), spec, { seconds: 0, warmupSteps: 0, minSteps: 1 });
    const m = await measureDogoStep(new ReferenceBackend(), spec, { seconds: 0, warmupSteps: 0, minSteps: 1, chunk: 2 });
    expect(m.layout).toBe('chunks of 2 images as asked');
    expect(m.executables.map((e) => e.name)).toEqual(['student', 'peer'].flatMap((n) => ['backward', 'forward', 'loss', 'update'].map((r) => `${n}/${r}`)));
    for (const e of m.executables) expect(e.bytes).toBeGreaterThan(0);
    // forward-backward plus a forward without gradients: about 4/3 of the one-graph step's FLOPs
    expect(m.planFlopsPerStep / one.planFlopsPerStep).toBeGreaterThan(1.2);
    expect(m.planFlopsPerStep / one.planFlopsPerStep).toBeLessThan(1.45);
  }, 60_000);

  it('stops before maxSeconds once a step has run', async () => {
    let calls = 0;
    const t = await timeSteps(async () => { calls++; await new Promise((r) => setTimeout(r, 20)); }, { seconds: 10, warmupSteps: 0, minSteps: 5, maxSeconds: 0.05 });
    expect(t.stepSeconds.length).toBeGreaterThanOrEqual(1);
    expect(t.stepSeconds.length).toBeLessThan(5);
    expect(calls).toBe(t.stepSeconds.length);
  });
});
