/**
 * Throughput of one DoGo training step, shared by `dogo bench` and benchmarks/dogo-step: the benchmark's
 * reference cohort (a ResNet student and its wider peer, projection heads, 28x28x1 inputs, batch 256), its
 * analytic FLOP count, and a warm-up-then-time loop. Public (exported from @dogo/cli). It measures only our
 * backends; the tfjs comparison lives in benchmarks/dogo-step so that the CLI never depends on tfjs.
 */
import { Rng, sizeOf, type Backend, type Executable, type KlReduction, type Plan, type StepProfile } from '@dogo/core';
import { ProjectionHead, Sequential, forwardFlops, nodeMacs, resnet18, resnet50, resnetSmall, type ResNet } from '@dogo/nn';
import {
  CohortTrainer, DEFAULT_OPTIMIZER, FASHION_MNIST_NORMALIZATION,
  type CohortConfig, type CohortMember, type LayoutRequest, type MemberLosses, type Normalization, type OptimizerConfig,
} from '@dogo/ssl';

/**
 * One model of the benchmark cohort, a projection head and a distillation weight: resnetSmall with these stages
 * (arch 'resnet-small', the default), or torchvision's ResNet-18 / ResNet-50 with the CIFAR stem.
 */
export type DogoStepModel = { readonly name: string; readonly lambda: number } & (
  | { readonly arch?: 'resnet-small'; readonly stageChannels: readonly number[]; readonly blocksPerStage: number }
  | { readonly arch: 'resnet18' | 'resnet50' }
);

/** Everything that defines the measured step; JSON-serialisable so the benchmark can record it verbatim. */
export interface DogoStepSpec {
  readonly batchSize: number;
  /** [C, H, W]. */
  readonly imageShape: readonly [number, number, number];
  readonly models: readonly DogoStepModel[];
  /** Projection head Linear(features -> headHidden, no bias) -> BN1d -> ReLU -> Linear(headHidden -> headOut). */
  readonly headHidden: number;
  readonly headOut: number;
  readonly optimizer: OptimizerConfig;
  readonly temperature: number;
  readonly kdTemperature: number;
  readonly reduction: KlReduction;
  readonly normalization: Normalization;
  /** Random resized crop with horizontal flip on every view (each model its own two views). */
  readonly crop: { readonly scale: readonly [number, number]; readonly ratio: readonly [number, number]; readonly flip: number };
}

/**
 * The benchmark's reference configuration: student resnetSmall 32/64/128 and peer 64/128/256 (CIFAR stem, two
 * BasicBlocks per stage, strides 1/2/2), heads 512 -> 128, 28x28x1 inputs, batch 256, DoGo's released defaults.
 */
export const DOGO_STEP_REFERENCE: DogoStepSpec = {
  batchSize: 256,
  imageShape: [1, 28, 28],
  models: [
    { name: 'student', stageChannels: [32, 64, 128], blocksPerStage: 2, lambda: 100 },
    { name: 'peer', stageChannels: [64, 128, 256], blocksPerStage: 2, lambda: 1 },
  ],
  headHidden: 512,
  headOut: 128,
  optimizer: DEFAULT_OPTIMIZER,
  temperature: 0.5,
  kdTemperature: 0.1,
  reduction: 'mean',
  normalization: FASHION_MNIST_NORMALIZATION,
  crop: { scale: [0.08, 1], ratio: [3 / 4, 4 / 3], flip: 0.5 },
};

/** The paper's pair (DoGo's released setting): ResNet-18 student, ResNet-50 peer, CIFAR stem, batch 256, here on 28x28x1 inputs. */
export const DOGO_STEP_PAPER: DogoStepSpec = {
  ...DOGO_STEP_REFERENCE,
  models: [
    { name: 'student', arch: 'resnet18', lambda: 100 },
    { name: 'peer', arch: 'resnet50', lambda: 1 },
  ],
};

/** Named benchmark cohorts for `dogo bench --preset`. */
export const DOGO_STEP_PRESETS: Record<string, DogoStepSpec> = { reference: DOGO_STEP_REFERENCE, paper: DOGO_STEP_PAPER };

/** One line naming a model of the spec: `resnetSmall [32,64,128]x2` or `resnet50`. */
export function describeStepModel(m: DogoStepModel): string {
  return 'stageChannels' in m ? `resnetSmall [${m.stageChannels.join(',')}]x${m.blocksPerStage}` : m.arch;
}

/** The reference backend computes in float64 in plain TypeScript: a reference-configuration step at batch 4 takes minutes. */
export const REFERENCE_BACKEND_BENCH = { batchSize: 2, minSteps: 1 } as const;

/** The spec's encoder for one model. */
export function dogoStepEncoder(spec: DogoStepSpec, m: DogoStepModel): ResNet {
  const inChannels = spec.imageShape[0];
  if ('stageChannels' in m) return resnetSmall({ stageChannels: m.stageChannels, blocksPerStage: m.blocksPerStage, inChannels, stem: 'cifar' });
  return (m.arch === 'resnet18' ? resnet18 : resnet50)({ inChannels, stem: 'cifar' });
}

/** The cohort configuration the step is built from (what CohortTrainer.create receives). */
export function dogoStepCohort(spec: DogoStepSpec): CohortConfig {
  const members: CohortMember[] = spec.models.map((m) => {
    const encoder = dogoStepEncoder(spec, m);
    return { name: m.name, encoder, head: new ProjectionHead(encoder.featureDim, spec.headHidden, spec.headOut), optimizer: spec.optimizer, lambda: m.lambda };
  });
  return {
    members, batchSize: spec.batchSize, imageShape: spec.imageShape, temperature: spec.temperature, kdTemperature: spec.kdTemperature,
    reduction: spec.reduction, normalization: spec.normalization, crop: spec.crop,
  };
}

/** Multiplier from forward to forward + backward FLOPs: backward ~ 2x forward (input and weight gradients). */
export const FORWARD_BACKWARD_FACTOR = 3;
/** Views per model per image. */
export const VIEWS_PER_MODEL = 2;

export const FLOP_CONVENTION =
  'FLOPs = 2 x multiply-adds of convolutions and matrix products (nn forwardFlops); per model and image, forward of encoder + projection head; ' +
  `x${FORWARD_BACKWARD_FACTOR} for forward + backward (backward ~ 2x forward), x${VIEWS_PER_MODEL} views, summed over the models, x batch. ` +
  'Batch norm, activations, pooling, the losses and the optimiser update are not counted.';

export interface DogoStepFlops {
  convention: string;
  /** Forward FLOPs per image and view, by model. */
  models: { name: string; encoderForward: number; headForward: number; parameters: number }[];
  /** Sum over the models of encoder + head forward FLOPs, one image, one view. */
  forwardPerImage: number;
  /** forwardPerImage x 3 x 2: what one image costs in one step. */
  perImage: number;
  /** perImage x batch. */
  perStep: number;
}

/** The step's analytic FLOPs (see FLOP_CONVENTION), from nn's forwardFlops of each encoder and encoder + head. */
export function dogoStepFlops(spec: DogoStepSpec): DogoStepFlops {
  const cohort = dogoStepCohort(spec);
  const models = cohort.members.map((m) => {
    const encoderForward = forwardFlops(m.encoder, spec.imageShape);
    const total = forwardFlops(new Sequential(m.encoder, m.head), spec.imageShape);
    let parameters = 0;
    for (const mod of [m.encoder, m.head]) for (const [, p] of mod.namedParameters()) if (p.trainable) parameters += p.size;
    return { name: m.name, encoderForward, headForward: total - encoderForward, parameters };
  });
  const forwardPerImage = models.reduce((a, m) => a + m.encoderForward + m.headForward, 0);
  const perImage = forwardPerImage * FORWARD_BACKWARD_FACTOR * VIEWS_PER_MODEL;
  return { convention: FLOP_CONVENTION, models, forwardPerImage, perImage, perStep: perImage * spec.batchSize };
}

/**
 * FLOPs counted on a compiled plan: 2 x multiply-adds of every conv2d, conv2d_backward_data,
 * conv2d_backward_weight and matmul it runs (the losses' matmuls included). A check on the 3x convention.
 */
export function planFlops(plan: Plan): number {
  let macs = 0;
  for (const v of plan.values) {
    if (v.op === 'conv2d' || v.op === 'matmul') {
      macs += nodeMacs(v.node);
    } else if (v.op === 'conv2d_backward_data') {
      const [dy, w] = v.inputs.map((i) => plan.values[i]!.shape);
      macs += sizeOf(dy!) * (sizeOf(w!) / w![0]!); // every dy element meets Cin x KH x KW weights
    } else if (v.op === 'conv2d_backward_weight') {
      const dy = plan.values[v.inputs[1]!]!.shape;
      macs += sizeOf(dy) * (sizeOf(v.shape) / v.shape[0]!);
    }
  }
  return 2 * macs;
}

/** planFlops of one step: every executable's plan, each as often as a step runs it (once per chunk, or once). */
export function stepPlanFlops(trainer: CohortTrainer): number {
  const chunks = trainer.config.batchSize / trainer.layout.chunk;
  return trainer.executables.reduce((a, e) => a + planFlops(e.planned.plan) * (e.planned.role === 'forward' || e.planned.role === 'backward' ? chunks : 1), 0);
}

export interface TimingOptions {
  /** Target seconds of timed steps (default 20). */
  seconds?: number;
  /** Untimed steps first (default 1): compilation, first allocations, JIT. */
  warmupSteps?: number;
  /** Timed steps at least (default 3), unless maxSeconds stops earlier. */
  minSteps?: number;
  /** Timed steps at most (default 10000). */
  maxSteps?: number;
  /** Never start a timed step that would end past this many timed seconds, once one has run (default: no cap). */
  maxSeconds?: number;
  /** Called after every step, warm-up included. */
  onStep?: (s: { phase: 'warmup' | 'timed'; index: number; seconds: number }) => void;
}

export interface StepTiming {
  warmupSeconds: number[];
  stepSeconds: number[];
  /** Mean seconds per timed step (total timed time / steps). */
  secondsPerStep: number;
  medianSecondsPerStep: number;
}

/** Runs `step` warm-up times, then times it until `seconds` have passed and at least `minSteps` steps ran. */
export async function timeSteps(step: () => Promise<unknown>, o: TimingOptions = {}): Promise<StepTiming> {
  const seconds = o.seconds ?? 20, warmup = o.warmupSteps ?? 1, minSteps = Math.max(1, o.minSteps ?? 3), maxSteps = o.maxSteps ?? 10_000;
  const maxSeconds = o.maxSeconds ?? Infinity;
  const once = async (phase: 'warmup' | 'timed', index: number) => {
    const t = performance.now();
    await step();
    const s = (performance.now() - t) / 1000;
    o.onStep?.({ phase, index, seconds: s });
    return s;
  };
  const warmupSeconds: number[] = [];
  for (let i = 0; i < warmup; i++) warmupSeconds.push(await once('warmup', i));
  const stepSeconds: number[] = [];
  let total = 0;
  while (stepSeconds.length < maxSteps && (stepSeconds.length < minSteps || total < seconds)) {
    const expected = stepSeconds.length ? total / stepSeconds.length : warmupSeconds.at(-1) ?? 0;
    if (stepSeconds.length > 0 && total + expected > maxSeconds) break;
    const s = await once('timed', stepSeconds.length);
    stepSeconds.push(s);
    total += s;
  }
  const sorted = [...stepSeconds].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { warmupSeconds, stepSeconds, secondsPerStep: total / stepSeconds.length, medianSecondsPerStep: median };
}

/** Random uint8 images [N, C, H, W] from a seed (the step's cost does not depend on the pixels). */
export function randomImages(spec: DogoStepSpec, seed = 7): Uint8Array {
  const rng = new Rng(seed);
  const out = new Uint8Array(spec.batchSize * spec.imageShape[0] * spec.imageShape[1] * spec.imageShape[2]);
  for (let i = 0; i < out.length; i++) out[i] = rng.nextU32() & 255;
  return out;
}

export interface DogoStepMeasurement extends StepTiming {
  backend: string;
  batchSize: number;
  /** Seconds to build the step graph and compile it on the backend. */
  compileSeconds: number;
  imagesPerSecond: number;
  flops: DogoStepFlops;
  /** perStep FLOPs counted on the compiled plan (see planFlops). */
  planFlopsPerStep: number;
  /** Bytes of the compiled plans' intermediate buffers (the memory planner's totals, summed over executables). */
  planPeakBytes: number;
  /** How the step was laid out (one graph, or chunked with members apart) and why. */
  layout: string;
  /** Each executable's planned peak of intermediates and its bytes with the leaves it owns. */
  executables: { name: string; backend: string; peakBytes: number; bytes: number; recomputedBlocks: number }[];
  gflopsPerSecond: number;
  /** Losses of the last step, as a sanity check (NT-Xent starts near log(2N - 1)). */
  lastLosses: Record<string, MemberLosses>;
  /** The kernel the backend chose for each tunable step (wasm convolutions, WebGPU GEMMs), where it reports them. */
  kernelChoices: KernelChoiceSummary[];
  /** One more step profiled per plan step (MeasureOptions.profile). */
  profile?: StepProfile;
}

/** One tunable step's choice, backend-neutral: the layer, the op, what it runs and where that came from. */
export interface KernelChoiceSummary {
  readonly layer: string;
  readonly op: string;
  readonly choice: string;
  readonly source: string;
  /** Best milliseconds per candidate when the choice was timed (now or in the cache), the rule's or im2col first. */
  readonly timings?: readonly { readonly name: string; readonly ms: number }[];
}

export interface MeasureOptions extends TimingOptions, LayoutRequest {
  /** Seed of initialisation and augmentation (default 1). */
  seed?: number;
  /** After timing, profile one more step (Executable.profile). */
  profile?: boolean;
  /** Called once the step is compiled, with the trainer (to print its layout and memory). */
  onCompiled?: (trainer: CohortTrainer) => void;
}

/** The kernel choices of an executable: wasm's convChoices or WebGPU's kernelChoices, if it has either. */
export function kernelChoicesOf(exe: Executable): KernelChoiceSummary[] {
  const e = exe as Partial<{
    convChoices: readonly { label: string; shape: { direction: string }; algorithm: string; source: string; timings?: Record<string, number> }[];
    kernelChoices: readonly {
      label: string; op: string; choice: { tiling: string; splits?: number; phases?: boolean }; source: string;
      timings?: readonly { name: string; ms: number }[];
    }[];
  }>;
  if (e.convChoices) {
    return e.convChoices.map((c) => ({
      layer: c.label, op: `conv2d ${c.shape.direction}`, choice: c.algorithm, source: c.source,
      ...(c.timings ? { timings: Object.entries(c.timings).map(([name, ms]) => ({ name, ms })) } : {}),
    }));
  }
  if (e.kernelChoices) {
    return e.kernelChoices.map((c) => ({
      layer: c.label, op: c.op, source: c.source,
      choice: [c.choice.tiling, c.choice.splits && c.choice.splits > 1 ? `split ${c.choice.splits}` : '', c.choice.phases === false ? 'no phases' : ''].filter(Boolean).join(' '),
      ...(c.timings ? { timings: c.timings.map((t) => ({ name: t.name, ms: t.ms })) } : {}),
    }));
  }
  return [];
}

/** Builds the cohort of `spec` on `backend` with CohortTrainer.create and times its training step on random images. */
export async function measureDogoStep(backend: Backend, spec: DogoStepSpec, options: MeasureOptions = {}): Promise<DogoStepMeasurement> {
  const flops = dogoStepFlops(spec);
  const t0 = performance.now();
  const { seed, onCompiled, ...rest } = options;
  const trainer = await CohortTrainer.create(backend, dogoStepCohort(spec), { ...rest, seed: seed ?? 1, totalSteps: 1_000_000 });
  const compileSeconds = (performance.now() - t0) / 1000;
  onCompiled?.(trainer);
  try {
    const images = randomImages(spec);
    let lastLosses: Record<string, MemberLosses> = {};
    const timing = await timeSteps(async () => {
      lastLosses = (await trainer.trainStep(images)).losses;
    }, options);
    const profile = options.profile ? await trainer.profileStep(images) : undefined;
    return {
      backend: backend.name, batchSize: spec.batchSize, compileSeconds, ...timing,
      imagesPerSecond: spec.batchSize / timing.secondsPerStep,
      flops, planFlopsPerStep: stepPlanFlops(trainer), planPeakBytes: trainer.executables.reduce((a, e) => a + e.planned.plan.peakBytes, 0),
      layout: trainer.reason,
      executables: trainer.executables.map((e) => ({
        name: e.planned.name, backend: e.planned.backend.name, peakBytes: e.planned.plan.peakBytes, bytes: e.planned.bytes, recomputedBlocks: e.planned.plan.recompute?.segments ?? 0,
      })),
      gflopsPerSecond: flops.perStep / timing.secondsPerStep / 1e9,
      lastLosses,
      kernelChoices: trainer.executables.flatMap((e) => kernelChoicesOf(e.executable)),
      ...(profile ? { profile } : {}),
    };
  } finally {
    trainer.destroy();
  }
}

/** One line: "wasm  batch 256  123.4 images/s  56.7 GFLOP/s  (2.075 s/step, 10 steps)". */
export function formatMeasurement(m: { backend: string; batchSize: number; imagesPerSecond: number; gflopsPerSecond: number; secondsPerStep: number; stepSeconds: readonly number[] }): string {
  return `${m.backend}  batch ${m.batchSize}  ${m.imagesPerSecond.toFixed(m.imagesPerSecond < 10 ? 3 : 1)} images/s  ${m.gflopsPerSecond.toFixed(2)} GFLOP/s  (${m.secondsPerStep.toFixed(3)} s/step, ${m.stepSeconds.length} timed steps)`;
}
