/**
 * The `dogo train` configuration: JSON-able, with defaults, presets and strict key checking (a misspelt key
 * is an error that names it, not a silently ignored setting). Flags and a --config file merge into it.
 */
import { DogoError } from '@dogo/core';
import type { OptimizerConfig } from '@dogo/ssl';

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
  /** Output folder: metrics.jsonl, checkpoints, report. */
  out: string;
  /** Also train each model alone with the same budget and compare. */
  baseline: boolean;
  /** Wasm threads (default: all cores). */
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

const KEYS = new Set(Object.keys(DEFAULT_CONFIG).concat(['steps', 'threads', 'chunk', 'recompute']));
const MODEL_KEYS = new Set(['name', 'arch', 'stages', 'blocks', 'width', 'stem', 'lambda', 'optimizer', 'headHidden', 'headOut', 'objective']);
const OPT_KEYS = new Set(['kind', 'lr', 'weightDecay', 'momentum', 'beta1', 'beta2', 'eps', 'eta', 'warmupSteps', 'schedule']);

function checkKeys(obj: Record<string, unknown>, allowed: Set<string>, where: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.has(k)) throw new ConfigError(`${where}: unknown key "${k}"; allowed keys: ${[...allowed].sort().join(', ')}`);
  }
}

/** Checks a merged configuration; throws ConfigError naming the field at fault. */
export function validateConfig(c: TrainConfig, where = 'config'): TrainConfig {
  checkKeys(c as unknown as Record<string, unknown>, KEYS, where);
  const posInt = (v: unknown, k: string, min = 1) => {
    if (!Number.isInteger(v) || (v as number) < min) throw new ConfigError(`${where}: "${k}" must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  };
  posInt(c.batchSize, 'batchSize', 2);
  posInt(c.epochs, 'epochs', 0);
  if (c.steps !== undefined) posInt(c.steps, 'steps');
  posInt(c.seed, 'seed', 0);
  posInt(c.evalEvery, 'evalEvery', 0);
  posInt(c.checkpointEvery, 'checkpointEvery', 0);
  posInt(c.linearEpochs, 'linearEpochs', 0);
  posInt(c.knnK, 'knnK');
  const backends = String(c.backend).split(',');
  for (const b of backends) if (!['auto', 'wasm', 'webgpu', 'reference'].includes(b)) throw new ConfigError(`${where}: unknown backend "${b}"; choose auto, wasm, webgpu or reference (or one per model, separated by commas)`);
  if (backends.length > 1 && Array.isArray(c.models) && backends.length !== c.models.length) throw new ConfigError(`${where}: "backend" lists ${backends.length} backends for ${c.models.length} models; give one, or one per model`);
  if (c.chunk !== undefined && c.chunk !== 'auto') posInt(c.chunk, 'chunk');
  if (c.recompute !== undefined && !['auto', 'always', 'never'].includes(c.recompute)) throw new ConfigError(`${where}: "recompute" must be auto, always or never, got ${JSON.stringify(c.recompute)}`);
  if (c.reduction !== 'mean' && c.reduction !== 'batchmean') throw new ConfigError(`${where}: "reduction" must be mean or batchmean, got ${JSON.stringify(c.reduction)}`);
  if (!Array.isArray(c.models) || c.models.length === 0) throw new ConfigError(`${where}: "models" needs at least one model`);
  const names = new Set<string>();
  c.models.forEach((m, i) => {
    const w = `${where}: models[${i}]`;
    checkKeys(m as unknown as Record<string, unknown>, MODEL_KEYS, w);
    if (typeof m.name !== 'string' || !/^[A-Za-z][\w-]*$/.test(m.name) || names.has(m.name)) throw new ConfigError(`${w}: "name" must be a unique identifier, got ${JSON.stringify(m.name)}`);
    names.add(m.name);
    if (!['resnet-small', 'resnet18', 'resnet34', 'resnet50'].includes(m.arch)) throw new ConfigError(`${w}: unknown arch "${m.arch}"; choose resnet-small, resnet18, resnet34 or resnet50`);
    if (m.objective !== undefined && m.objective !== 'simclr' && m.objective !== 'simsiam') throw new ConfigError(`${w}: "objective" must be simclr or simsiam, got ${JSON.stringify(m.objective)}`);
    if (typeof m.lambda !== 'number' || m.lambda < 0) throw new ConfigError(`${w}: "lambda" must be a non-negative number`);
    if (!m.optimizer || typeof m.optimizer !== 'object') throw new ConfigError(`${w}: "optimizer" is required`);
    checkKeys(m.optimizer as unknown as Record<string, unknown>, OPT_KEYS, `${w}.optimizer`);
    if (!['adam', 'adamw', 'sgd', 'lars'].includes(m.optimizer.kind)) throw new ConfigError(`${w}.optimizer: unknown kind "${m.optimizer.kind}"; choose adam, adamw, sgd or lars`);
    if (!(m.optimizer.lr > 0)) throw new ConfigError(`${w}.optimizer: "lr" must be positive`);
  });
  return c;
}

/** Default, then the preset, then the config file, then flags; later wins. Models are replaced whole. */
export function mergeConfig(...parts: Partial<TrainConfig>[]): TrainConfig {
  const out = structuredClone(DEFAULT_CONFIG) as TrainConfig;
  for (const p of parts) for (const [k, v] of Object.entries(p)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = structuredClone(v);
  return out;
}
