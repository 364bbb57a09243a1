/**
 * The split step (GradCache) against the one-graph step on the reference backend: with one chunk, and with
 * several chunks on a model without batch norm, the losses and the updated parameters are the same; with batch
 * norm the statistics are per chunk (so the numbers differ) and running statistics move once per chunk; members
 * on backends of their own give the same numbers; the layout follows the backend's memory budget.
 */
import { describe, expect, it } from 'vitest';
import { ReferenceBackend, Rng, type Backend, type MemoryBudget } from '@dogo/core';
import { Conv2d, GlobalAvgPool, Linear, ProjectionHead, ReLU, Sequential, resnetSmall } from '@dogo/nn';
import { CohortTrainer, type TrainerOptions } from './trainer.js';
import type { CohortConfig, CohortMember } from './cohort_config.js';
import { StepMemoryError } from './step_layout.js';

const IMG = 8;
const N = 8;
const sgd = { kind: 'sgd', lr: 0.5, momentum: 0, weightDecay: 0, schedule: 'constant' } as const;

/** Conv, relu, pooling, and a two-layer head: no batch norm, so chunks change nothing. */
function plainMember(name: string, width: number, lambda: number): CohortMember {
  const encoder = new Sequential(new Conv2d(1, width, 3, 1, 1, true), new ReLU(), new GlobalAvgPool());
  return { name, encoder, head: new Sequential(new Linear(width, 8), new ReLU(), new Linear(8, 6)), optimizer: sgd, lambda };
}

function bnMember(name: string, lambda: number): CohortMember {
  const encoder = resnetSmall({ stageChannels: [4], blocksPerStage: 1, inChannels: 1, stem: 'cifar' });
  return { name, encoder, head: new ProjectionHead(encoder.featureDim, 8, 6), optimizer: sgd, lambda };
}

function config(members: CohortMember[]): CohortConfig {
  return { members, batchSize: N, imageShape: [1, IMG, IMG], normalization: { mean: [0.3], std: [0.3] }, crop: { scale: [0.5, 1] } };
}

function images(seed: number): Uint8Array {
  const r = new Rng(seed);
  return Uint8Array.from({ length: N * IMG * IMG }, () => Math.floor(256 * r.uniform()));
}

/** Two steps; the losses of each and every state after. */
async function run(backend: Backend, cfg: CohortConfig, options: Partial<TrainerOptions>) {
  const t = await CohortTrainer.create(backend, cfg, { seed: 4, totalSteps: 2, ...options });
  const losses = [(await t.trainStep(images(1))).losses, (await t.trainStep(images(2))).losses];
  const state = await t.readAllState();
  const layout = t.layout;
  t.destroy();
  return { losses, state, layout };
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i]! - b[i]!) ** 2; den += b[i]! ** 2; }
  expect(Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12), what).toBeLessThan(tol);
}

function expectSame(a: Awaited<ReturnType<typeof run>>, b: Awaited<ReturnType<typeof run>>, tol: number): void {
  a.losses.forEach((step, s) => {
    for (const [m, l] of Object.entries(step)) {
      expect(l.loss, `step ${s} ${m} loss`).toBeCloseTo(b.losses[s]![m]!.loss, 5);
      expect(l.kd, `step ${s} ${m} kd`).toBeCloseTo(b.losses[s]![m]!.kd!, 5);
    }
  });
  expect(Object.keys(a.state).sort()).toEqual(Object.keys(b.state).sort());
  for (const [k, v] of Object.entries(a.state)) expectClose(v.data, b.state[k]!.data, tol, k);
}

describe('split step (chunked, members apart)', () => {
  const backend = new ReferenceBackend();

  it('with one chunk gives the one-graph step\'s losses and parameters (batch norm included)', async () => {
    const cfg = config([bnMember('student', 10), bnMember('peer', 1)]);
    const single = await run(backend, cfg, {});
    expect(single.layout.kind).toBe('single');
    const split = await run(backend, cfg, { chunk: N });
    expect(split.layout).toMatchObject({ kind: 'split', chunk: N });
    expectSame(split, single, 1e-5);
  });

  it('with several chunks on a model without batch norm gives the same numbers (accumulated gradients are exact)', async () => {
    const cfg = config([plainMember('student', 3, 10), plainMember('peer', 5, 1)]);
    const single = await run(backend, cfg, {});
    for (const chunk of [4, 2]) {
      const split = await run(backend, cfg, { chunk });
      expect(split.layout.executables.map((e) => e.name)).toEqual(['backward', 'forward', 'loss', 'update'].flatMap((r) => [`student/${r}`]).concat(['backward', 'forward', 'loss', 'update'].map((r) => `peer/${r}`)));
      expectSame(split, single, 1e-5);
    }
  });

  it('with batch norm takes statistics per chunk and moves running statistics once per chunk', async () => {
    const cfg = config([bnMember('solo', 0)]);
    const single = await run(backend, cfg, {});
    const split = await run(backend, cfg, { chunk: 2 });
    // the embeddings, hence the losses, come from statistics over each chunk's 4 views, not the batch's 16
    expect(Math.abs(split.losses[0]!['solo']!.loss - single.losses[0]!['solo']!.loss)).toBeGreaterThan(1e-3);
    // all-zero images give zero views: every batch variance is 0, so running_var (from 1, momentum 0.1) is 0.9^updates
    const zeros = { ...cfg, normalization: { mean: [0], std: [0.3] }, color: { p: 0 } };
    const runningVar = async (options: Partial<TrainerOptions>) => {
      const t = await CohortTrainer.create(backend, zeros, { seed: 4, totalSteps: 1, ...options });
      await t.trainStep(new Uint8Array(N * IMG * IMG));
      const rv = Array.from((await t.readAllState())['solo.encoder.bn1.running_var']!.data);
      t.destroy();
      return rv;
    };
    for (const v of await runningVar({})) expect(v).toBeCloseTo(0.9, 12);
    for (const v of await runningVar({ chunk: 2 })) expect(v).toBeCloseTo(0.9 ** 4, 12);
  });

  it('runs members on backends of their own with the same numbers', async () => {
    const cfg = config([plainMember('student', 3, 10), plainMember('peer', 5, 1)]);
    const single = await run(backend, cfg, {});
    const own = [new ReferenceBackend(), new ReferenceBackend()];
    const apart = await run(backend, cfg, { memberBackends: own });
    expect(apart.layout).toMatchObject({ kind: 'split', chunk: N });
    expect(apart.layout.executables.filter((e) => e.backend === own[1]).map((e) => e.name)).toEqual(['peer/backward', 'peer/forward', 'peer/loss', 'peer/update']);
    expectSame(apart, single, 1e-5);
  });

  it('chooses chunks when the one-graph step exceeds the memory budget, says why, and fails when nothing fits', async () => {
    const cfg = config([bnMember('student', 10), bnMember('peer', 1)]);
    const limited = (bytes: number): Backend => {
      const b = new ReferenceBackend();
      return Object.assign(b, { memoryBudget: (): MemoryBudget => ({ bytes, maxBufferBytes: Infinity, source: 'a test budget' }) });
    };
    const probe = await CohortTrainer.create(backend, cfg, { seed: 1, totalSteps: 1, chunk: 2 });
    const small = probe.layout.bytesPerBackend.get(backend)!;
    probe.destroy();
    const t = await CohortTrainer.create(limited(small), cfg, { seed: 1, totalSteps: 1, recompute: 'never' });
    expect(t.layout).toMatchObject({ kind: 'split', chunk: 2, recompute: false });
    expect(t.reason).toMatch(/^the one-graph step needs \d+\.\d+ GiB on reference, which allows \d+\.\d+ GiB \(a test budget\): chunked steps of 2 images \(4 chunks\)$/);
    t.destroy();
    // recomputation lowers every executable's peak, so it fits a budget the plain chunks of 2 do not
    const r = await CohortTrainer.create(limited(small - 1), cfg, { seed: 1, totalSteps: 1, recompute: 'always' });
    expect(r.layout).toMatchObject({ kind: 'split', recompute: true });
    expect(r.reason).toMatch(/with recomputation$/);
    expect(r.executables.find((e) => e.planned.name === 'student/backward')!.planned.plan.recompute!.segments).toBe(1);
    r.destroy();
    await expect(CohortTrainer.create(limited(small / 4), cfg, { seed: 1, totalSteps: 1, recompute: 'never' })).rejects.toThrow(StepMemoryError);
    await expect(CohortTrainer.create(backend, cfg, { seed: 1, totalSteps: 1, chunk: 3 })).rejects.toThrow(/chunk 3 must divide the batch size 8; choose one of 8, 4, 2, 1/);
    await expect(CohortTrainer.create(limited(small / 4), cfg, { seed: 1, totalSteps: 1, chunk: 4 })).rejects.toThrow(/the split step with chunks of 4 images needs .* on reference, which allows/);
  });

  it('chooses a whole chunk for an odd batch (no chunk of 4.5 images for a batch of 9)', async () => {
    const odd = { ...config([plainMember('student', 3, 10), plainMember('peer', 5, 1)]), batchSize: 9 };
    const probe = await CohortTrainer.create(backend, odd, { seed: 1, totalSteps: 1 });
    expect(probe.layout.kind).toBe('single');
    const whole = probe.layout.bytesPerBackend.get(backend)!;
    probe.destroy();
    const b = Object.assign(new ReferenceBackend(), { memoryBudget: (): MemoryBudget => ({ bytes: whole - 1, maxBufferBytes: Infinity, source: 'a test budget' }) });
    const t = await CohortTrainer.create(b, odd, { seed: 1, totalSteps: 1, recompute: 'never' });
    expect(t.layout).toMatchObject({ kind: 'split', chunk: 3 });
    t.destroy();
  });
});
