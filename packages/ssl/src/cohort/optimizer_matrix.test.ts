/**
 * Every optimiser trains a model alone (no Adam peer supplying the step-count input), with and without
 * weight decay and warm-up, and the health check after each step stops a model whose state went bad.
 */
import { describe, expect, it } from 'vitest';
import { ReferenceBackend, Rng } from '@dogo/core';
import { ProjectionHead, resnetSmall } from '@dogo/nn';
import { CohortTrainer, NonFiniteStateError } from './trainer.js';
import { STEP_FEED } from './cohort_step.js';
import { learningRate } from '../optim/schedule.js';
import type { OptimizerConfig, OptimizerKind } from '../optim/optimizer.js';
import type { CohortMember } from './cohort_config.js';

const IMG = 8;
const N = 4;

function member(optimizer: OptimizerConfig): CohortMember {
  const encoder = resnetSmall({ stageChannels: [2, 4], blocksPerStage: 1, inChannels: 1, stem: 'cifar' });
  return { name: 'solo', encoder, head: new ProjectionHead(encoder.featureDim, 8, 4), optimizer, lambda: 0 };
}

function images(): Uint8Array {
  const rng = new Rng(3);
  return Uint8Array.from({ length: N * IMG * IMG }, () => Math.floor(256 * rng.uniform()));
}

async function trainer(optimizer: OptimizerConfig, totalSteps = 4, chunk?: number): Promise<CohortTrainer> {
  const cfg = { members: [member(optimizer)], batchSize: N, imageShape: [1, IMG, IMG] as const, normalization: { mean: [0.5], std: [0.25] } };
  return CohortTrainer.create(new ReferenceBackend(), cfg, { seed: 1, totalSteps, ...(chunk ? { chunk } : {}) });
}

const KINDS: OptimizerKind[] = ['sgd', 'lars', 'adam', 'adamw'];
const CASES = KINDS.flatMap((kind) => [undefined, 1e-3].flatMap((weightDecay) => [0, 2].map((warmupSteps) => ({ kind, weightDecay, warmupSteps }))));

describe('every optimiser alone', () => {
  it.each(CASES)('$kind, weight decay $weightDecay, warm-up $warmupSteps: steps run, the rate follows the schedule, every parameter moves', async ({ kind, weightDecay, warmupSteps }) => {
    const optimizer: OptimizerConfig = { kind, lr: 0.05, warmupSteps, schedule: 'cosine', ...(weightDecay !== undefined ? { weightDecay } : {}) };
    const t = await trainer(optimizer);
    const before = await t.readAllState();
    for (let s = 0; s < 3; s++) {
      const m = await t.trainStep(images());
      const l = m.losses['solo']!;
      expect(Number.isFinite(l.loss)).toBe(true);
      expect(l.lr).toBeCloseTo(learningRate({ base: 0.05, totalSteps: 4, warmupSteps, kind: 'cosine' }, s), 12);
    }
    const after = await t.readAllState();
    const params = t.step.params['solo']!;
    expect(params.length).toBeGreaterThan(4);
    for (const p of params) {
      const moved = after[p]!.data.some((v, i) => v !== before[p]!.data[i]);
      expect(moved, `${p} did not change`).toBe(true);
    }
    // SGD and LARS keep a momentum buffer, Adam and AdamW two moments; only Adam's family reads the step count.
    expect(t.executables.some((e) => e.executable.plan.inputs.has(STEP_FEED))).toBe(kind === 'adam' || kind === 'adamw');
    t.destroy();
  }, 60_000);
});

describe('health check after each step', () => {
  // chunked: the split step's update executable computes the health scalar, running statistics included
  it.each([{ chunk: undefined }, { chunk: 2 }])('stops on a NaN in a running statistic the loss never sees, naming the step, the tensor and a hint (chunk $chunk)', async ({ chunk }) => {
    const t = await trainer({ kind: 'sgd', lr: 0.01 }, 4, chunk);
    expect(t.layout.kind).toBe(chunk ? 'split' : 'single');
    await t.trainStep(images());
    const name = t.step.stateNames().find((n) => n.endsWith('running_var'))!;
    const v = await t.step.readState(name);
    const data = Float64Array.from(v.data);
    data[1] = NaN;
    await t.step.writeState(name, { ...v, data });
    const err = await t.trainStep(images()).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteStateError);
    expect((err as Error).message).toContain(`step 1: model "solo" has "${name}" holding NaN at index 1`);
    expect((err as Error).message).toMatch(/lower it, or resume from the last checkpoint/);
    t.destroy();
  }, 60_000);

  it.each([{ chunk: undefined }, { chunk: 2 }])('stops a model whose weights diverge while the loss stays finite (chunk $chunk)', async ({ chunk }) => {
    // The reference backend computes in float64, where squares overflow only past 1.3e154.
    const t = await trainer({ kind: 'sgd', lr: 1e200, schedule: 'constant' }, 10, chunk);
    let err: unknown;
    for (let s = 0; s < 5 && !err; s++) err = await t.trainStep(images()).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteStateError);
    expect((err as Error).message).toMatch(/model "solo" has "solo\.[\w.]+" holding .* non-finite or beyond 1\.84e\+19/);
    t.destroy();
  }, 60_000);
});
