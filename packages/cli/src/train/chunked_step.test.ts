/**
 * The split DoGo step on every backend: the PyTorch GradCache twin (vectors/gradcache/) reproduced by the real
 * chunked executables (losses, accumulated gradients, running statistics moved once per chunk); the split step
 * on wasm with members in wasm memories of their own gives the one-graph step's losses on the reference
 * backend and on WebGPU (in chunks of 2 images without batch norm, in one chunk with it); a member on WebGPU
 * beside a member on wasm gives the same numbers too.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReferenceBackend, Rng, decodeCase, relativeError, type Backend, type HostTensor } from '@dogo/core';
import { BatchNorm2d, Conv2d, GlobalAvgPool, Linear, ProjectionHead, ReLU, Sequential } from '@dogo/nn';
import { CohortTrainer, CompiledStep, chooseStepLayout, type CohortConfig, type CohortMember, type TrainerOptions, type ViewBuilder } from '@dogo/ssl';
import { createBackend, selectMemberBackends } from '../backends.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const vectorDir = path.join(root, 'vectors/gradcache');
const cases = readdirSync(vectorDir).filter((f) => f.endsWith('.json')).map((f) => decodeCase(f, JSON.parse(readFileSync(path.join(vectorDir, f), 'utf8'))));

/** The backend, or a skip where there is no WebGPU adapter (a failure under CI=true, as in the conformance suite). */
async function backendOrSkip(name: string, skip: (note?: string) => never): Promise<Backend> {
  try {
    return await createBackend(name);
  } catch (e) {
    if ((e as Error).name !== 'NoAdapterError' || process.env.CI === 'true' || process.env.DOGO_REQUIRE_WEBGPU === '1') throw e;
    return skip(`no adapter for ${name}`);
  }
}

const sgd = { kind: 'sgd', lr: 1, momentum: 0, weightDecay: 0, schedule: 'constant' } as const;

describe('the chunked step against the PyTorch GradCache twin', () => {
  for (const name of ['reference', 'wasm', 'webgpu']) {
    it(`${name} reproduces every case of vectors/gradcache with the split executables`, async (ctx) => {
      const backend = await backendOrSkip(name, ctx.skip);
      expect(cases.length).toBeGreaterThan(0);
      for (const c of cases) {
        const names = c.attrs['members'] as string[];
        const lambdas = c.attrs['lambda'] as number[];
        const view = c.inputs[`${names[0]}.view0`]!.shape;
        const width = c.inputs[`${names[0]}.encoder.0.weight`]!.shape[0]!;
        const members: CohortMember[] = names.map((m, k) => ({
          name: m, lambda: lambdas[k]!, optimizer: sgd,
          encoder: new Sequential(new Conv2d(1, width, 3, 1, 1), new BatchNorm2d(width), new ReLU(), new GlobalAvgPool()),
          head: new ProjectionHead(width, c.inputs[`${m}.head.0.weight`]!.shape[0]!, c.inputs[`${m}.head.3.weight`]!.shape[0]!),
        }));
        const cfg: CohortConfig = {
          members, batchSize: view[0]!, imageShape: [1, view[2]!, view[3]!], normalization: { mean: [0], std: [1] },
          temperature: c.attrs['temperature'] as number, kdTemperature: c.attrs['kd_temperature'] as number, reduction: 'mean',
        };
        // the twin's views, fed as they are: one input per member and view, one row per image
        const views: ViewBuilder = (g, mi, rows) => [0, 1].map((v) => g.input(`${names[mi]}.view${v}`, [rows, ...view.slice(1)])) as [ReturnType<typeof g.input>, ReturnType<typeof g.input>];
        const { layout } = chooseStepLayout(cfg, backend, { chunk: c.attrs['chunk'] as number, recompute: 'never' }, views);
        const initial = Object.fromEntries(Object.entries(c.inputs).filter(([k]) => !k.includes('.view')));
        const step = await CompiledStep.compile(cfg, layout, initial);
        try {
          const feeds = Object.fromEntries(Object.entries(c.inputs).filter(([k]) => k.includes('.view')).map(([k, t]) => [k, Float32Array.from(t.data)]));
          const losses = await step.run(feeds, [1, 1], 1);
          const errors: Record<string, number> = {};
          for (const [k, want] of Object.entries(c.outputs)) {
            if (k === 'total') continue;
            const got: HostTensor | number = k.startsWith('new:') ? await step.readState(k.slice(4)) : losses[k]!;
            errors[k] = relativeError(typeof got === 'number' ? [got] : got.data, want.data);
          }
          // SGD with lr 1 and no momentum: the gradient is the parameter's change
          for (const [k, want] of Object.entries(c.grads)) {
            const after = (await step.readState(k)).data;
            errors[`grad:${k}`] = relativeError(Array.from(c.inputs[k]!.data, (p, i) => p - after[i]!), want.data);
          }
          for (const [k, e] of Object.entries(errors)) expect(e, `${c.name} ${k} on ${name}`).toBeLessThan(c.tolerance);
        } finally {
          step.destroy();
        }
      }
    }, 300_000);
  }
});

// The twin's model and sizes, so WebGPU reuses the kernels it compiled for the twin (SwiftShader compiles slowly).
const IMG = 6;
const N = 8;

function member(name: string, lambda: number): CohortMember {
  const encoder = new Sequential(new Conv2d(1, 4, 3, 1, 1), new BatchNorm2d(4), new ReLU(), new GlobalAvgPool());
  return { name, encoder, head: new ProjectionHead(4, 8, 6), optimizer: { kind: 'adam', lr: 1e-2, weightDecay: 1e-6, schedule: 'constant' }, lambda };
}

/** Without batch norm: chunks change nothing, so several chunks give the one-graph step's numbers. */
function plainMember(name: string, lambda: number): CohortMember {
  const encoder = new Sequential(new Conv2d(1, 4, 3, 1, 1, true), new ReLU(), new GlobalAvgPool());
  return { name, encoder, head: new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 6)), optimizer: { kind: 'adam', lr: 1e-2, weightDecay: 1e-6, schedule: 'constant' }, lambda };
}

const cohort = (plain = false): CohortConfig => ({
  members: plain ? [plainMember('student', 100), plainMember('peer', 1)] : [member('student', 100), member('peer', 1)], batchSize: N, imageShape: [1, IMG, IMG],
  normalization: { mean: [0.3], std: [0.3] }, crop: { scale: [0.3, 1] },
});

async function losses(backend: Backend, options: Partial<TrainerOptions>, plain = false): Promise<{ layout: string; steps: number[][] }> {
  const t = await CohortTrainer.create(backend, cohort(plain), { seed: 3, totalSteps: 2, ...options });
  const steps: number[][] = [];
  for (let s = 0; s < 2; s++) {
    const r = new Rng(10 + s);
    const m = await t.trainStep(Uint8Array.from({ length: N * IMG * IMG }, () => Math.floor(256 * r.uniform())));
    steps.push(Object.values(m.losses).flatMap((l) => [l.loss, l.ssl, l.kd!]));
  }
  const layout = `${t.layout.kind} ${t.layout.chunk}`;
  t.destroy();
  return { layout, steps };
}

function expectSameLosses(a: number[][], b: number[][], tol: number): void {
  a.forEach((row, s) => row.forEach((v, i) => expect(Math.abs(v - b[s]![i]!) / Math.max(1, Math.abs(b[s]![i]!)), `step ${s} loss ${i}: ${v} vs ${b[s]![i]}`).toBeLessThan(tol)));
}

describe('members apart and chunked against the one-graph step', () => {
  it('wasm in chunks of 2 images, members apart, on a model without batch norm matches the reference one-graph step', async () => {
    const single = await losses(new ReferenceBackend(), {}, true);
    expect(single.layout).toBe('single 8');
    const own = (await selectMemberBackends(['wasm', 'wasm'])).map((c) => c.backend);
    const chunked = await losses(own[0]!, { memberBackends: own, chunk: 2 }, true);
    expect(chunked.layout).toBe('split 2');
    expectSameLosses(chunked.steps, single.steps, 2e-4);
  }, 300_000);

  it('wasm, each member in a wasm memory of its own (one chunk: batch norm as in one graph), matches the reference and WebGPU one-graph steps; a member on WebGPU beside one on wasm too', async (ctx) => {
    const single = await losses(new ReferenceBackend(), {});
    expect(single.layout).toBe('single 8');
    const own = (await selectMemberBackends(['wasm', 'wasm'])).map((c) => c.backend);
    expect(own[0]).not.toBe(own[1]);
    const apart = await losses(own[0]!, { memberBackends: own, chunk: N });
    expect(apart.layout).toBe('split 8');
    expectSameLosses(apart.steps, single.steps, 2e-4);
    const gpu = await backendOrSkip('webgpu', ctx.skip);
    expectSameLosses((await losses(gpu, {})).steps, single.steps, 2e-4);
    // the projections cross from the GPU to wasm memory and back each step
    const mixed = await losses(gpu, { memberBackends: [gpu, own[1]!] });
    expect(mixed.layout).toBe('split 8');
    expectSameLosses(mixed.steps, single.steps, 2e-4);
  }, 300_000);
});
