/**
 * The `dogo train` configuration: JSON-able, with defaults and presets. Checked against one schema
 * (train_config_schema.ts) wherever it comes from: a --config file, flags, a run folder's config.json.
 */
import { DogoError } from '@dogo/core';
import type { OptimizerConfig } from '@dogo/ssl';

/** A setting is missing, of the wrong type or out of range; the message names it and the allowed values. */
export class ConfigError extends DogoError {}

export interface ModelConfig {
  name: string;
  /** 'resnet-small' (stages of basic blocks at `stages` widths), or 'resnet18' | 'resnet34' | 'resnet50'. */
  arch: 'resnet-small' | 'resnet18' | 'resnet34' | 'resnet50';
  /** resnet-small: channels per stage (strides 1, 2, 2, ...). */
  stages?: number[];
  /** resnet-small: basic blocks per stage. */
  blocks?: number;
  /** resnet18/34/50: width multiplier (default 1). */
  width?: number;
  stem?: 'cifar' | 'imagenet';
  /** Weight of the distillation term. */
  lambda: number;
  optimizer: OptimizerConfig;
  /** 'simclr' (default) or 'simsiam' (projector + predictor, negative cosine loss). */
  objective?: 'simclr' | 'simsiam';
  /** Projection head sizes (default 512 hidden, 128 out; SimSiam: 2048 scaled by width, predictor 512). */
  headHidden?: number;
  headOut?: number;
}

export interface TrainConfig {
  /** 'embedded' | 'fashion-mnist' | 'fashion-mnist:DIR' | 'idx:DIR' | 'cifar10:DIR' | 'folder:DIR'. */
  data: string;
  /** Train on the first trainSubset / classes images of each class of the training split (unset: all of it). */
  trainSubset?: number;
  /** 'auto' | 'wasm' | 'webgpu' | 'reference', or one per model separated by commas ('wasm,wasm': each model its own wasm memory). */
  backend: string;
  seed: number;
  epochs: number;
  /** Stop after this many steps (overrides epochs when set). */
  steps?: number;
  batchSize: number;
  models: ModelConfig[];
  temperature: number;
  kdTemperature: number;
  reduction: 'mean' | 'batchmean';
  sharedViews: boolean;
  /** kNN evaluation every this many epochs (0: only at the end). */
  evalEvery: number;
  knnK: number;
  /** Linear-probe epochs at the end (0 skips linear and few-label evaluation). */
  linearEpochs: number;
  /** Checkpoint every this many steps (0: only at the end and on Ctrl-C). */
  checkpointEvery: number;
  /** Checkpoints kept (the last K; each with its own manifest when K > 1, for --resume-from). */
  keepCheckpoints: number;
  /** Output folder: metrics.jsonl, checkpoints, report. */
  out: string;
  /** Also train each model alone with the same budget and compare. */
  baseline: boolean;
  /** Wasm threads (default: all cores; at most the machine's cores). */
  threads?: number;
  /** Images per chunk of a chunked step, or 'auto' (default: chunked only when the step does not fit the backend's memory). */
  chunk?: number | 'auto';
  /** Recompute block-internal activations in backward: 'auto' (default: when nothing fits without), 'always', 'never'. */
  recompute?: 'auto' | 'always' | 'never';
}

const adam = (lr = 3e-4): OptimizerConfig => ({ kind: 'adam', lr, weightDecay: 1e-6, schedule: 'constant' });

/** Sized so the quick start finishes in minutes on a 2-core machine with no GPU. */
export const DEFAULT_CONFIG: TrainConfig = {
  data: 'embedded',
  backend: 'auto',
  seed: 0,
  epochs: 8,
  batchSize: 128,
  models: [
    { name: 'student', arch: 'resnet-small', stages: [8, 16, 32], blocks: 1, lambda: 100, optimizer: adam(1e-3), headHidden: 128, headOut: 64 },
    { name: 'peer', arch: 'resnet-small', stages: [16, 32, 64], blocks: 1, lambda: 1, optimizer: adam(1e-3), headHidden: 128, headOut: 64 },
  ],
  temperature: 0.5,
  kdTemperature: 0.1,
  reduction: 'mean',
  sharedViews: false,
  evalEvery: 1,
  knnK: 200,
  linearEpochs: 30,
  checkpointEvery: 20,
  keepCheckpoints: 1,
  out: 'runs/latest',
  baseline: false,
};

/** Presets: named overrides of the default. */
export const PRESETS: Record<string, Partial<TrainConfig>> = {
  default: {},
  /** The released code's setting, for GPUs: ResNet-18 student, ResNet-50 peer, CIFAR stem, Adam 3e-4, batch 256. */
  paper: {
    epochs: 200,
    batchSize: 256,
    models: [
      { name: 'student', arch: 'resnet18', stem: 'cifar', lambda: 100, optimizer: adam() },
      { name: 'peer', arch: 'resnet50', stem: 'cifar', lambda: 1, optimizer: adam() },
    ],
    linearEpochs: 100,
    checkpointEvery: 500,
  },
  /** The released code's configuration: a SimCLR ResNet-18 beside a SimSiam ResNet-18, lambda 100 and 1, Adam 3e-4. */
  released: {
    epochs: 200,
    batchSize: 256,
    models: [
      { name: 'simclr', arch: 'resnet18', stem: 'cifar', lambda: 100, optimizer: adam() },
      { name: 'simsiam', arch: 'resnet18', stem: 'cifar', objective: 'simsiam', lambda: 1, optimizer: adam() },
    ],
    linearEpochs: 100,
    checkpointEvery: 500,
  },
  /** The DoGo step benchmark's reference pair (32/64/128 and 64/128/256, two blocks per stage). */
  reference: {
    batchSize: 256,
    models: [
      { name: 'student', arch: 'resnet-small', stages: [32, 64, 128], blocks: 2, lambda: 100, optimizer: adam() },
      { name: 'peer', arch: 'resnet-small', stages: [64, 128, 256], blocks: 2, lambda: 1, optimizer: adam() },
    ],
  },
};

/** Default, then the preset, then the config file, then flags; later wins. Models are replaced whole. */
export function mergeConfig(...parts: Partial<TrainConfig>[]): TrainConfig {
  const out = structuredClone(DEFAULT_CONFIG) as TrainConfig;
  for (const p of parts) for (const [k, v] of Object.entries(p)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = structuredClone(v);
  return out;
}
