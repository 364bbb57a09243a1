/**
 * The trainer page's settings: defaults, reading them from the URL (`?batch=16&steps=20&student=4,8`) and
 * from the form, and checking them. Plain data, shared by the page and the worker; no DOM access here.
 */

export interface TrainSettings {
  batchSize: number;
  steps: number;
  /** Adam learning rate of both models (constant schedule, as the released DoGo code). */
  lr: number;
  /** Weight of the student's distillation term; the peer's is 1. */
  lambda: number;
  /** Stage widths of the student and the peer (resnetSmall, CIFAR stem). */
  student: number[];
  peer: number[];
  /** Basic blocks per stage. */
  blocks: number;
  /** Projection head hidden and output sizes. */
  headHidden: number;
  headOut: number;
  /** Side of the square input images; images are resized to it. */
  imageSize: number;
  /** 1 (grayscale) or 3 (RGB) for image folders; Fashion-MNIST is always 1. */
  channels: 1 | 3;
  /** kNN evaluation every this many steps (0: only at the end). */
  evalEvery: number;
  knnK: number;
  /** Held-out subset sizes for the kNN monitor: reference (training) images and query (test) images. */
  evalTrain: number;
  evalTest: number;
  /** Augmented views shown every this many steps (0: never). */
  viewsEvery: number;
  /** Train on one fixed batch, repeated (a quick check that the losses fall). */
  fixedBatch: boolean;
  seed: number;
}

export const DEFAULT_SETTINGS: TrainSettings = {
  batchSize: 64,
  steps: 300,
  lr: 1e-3,
  lambda: 100,
  student: [8, 16, 32],
  peer: [16, 32, 64],
  blocks: 1,
  headHidden: 128,
  headOut: 64,
  imageSize: 28,
  channels: 1,
  evalEvery: 100,
  knnK: 20,
  evalTrain: 1000,
  evalTest: 200,
  viewsEvery: 10,
  fixedBatch: false,
  seed: 0,
};

/** URL parameter name of each setting. */
export const PARAM_NAMES: Record<keyof TrainSettings, string> = {
  batchSize: 'batch', steps: 'steps', lr: 'lr', lambda: 'lambda', student: 'student', peer: 'peer', blocks: 'blocks',
  headHidden: 'hidden', headOut: 'out', imageSize: 'size', channels: 'channels', evalEvery: 'evalEvery', knnK: 'k',
  evalTrain: 'evalTrain', evalTest: 'evalTest', viewsEvery: 'viewsEvery', fixedBatch: 'fixedBatch', seed: 'seed',
};

export class SettingsError extends Error {
  override name = 'SettingsError';
}

function parseWidths(text: string, what: string): number[] {
  const w = text.split(/[\s,]+/).filter(Boolean).map(Number);
  if (w.length === 0 || w.length > 4 || !w.every((v) => Number.isInteger(v) && v >= 1 && v <= 512)) {
    throw new SettingsError(`${what}: give 1 to 4 stage widths between 1 and 512, comma-separated (e.g. 8,16,32); got "${text}"`);
  }
  return w;
}

/** Reads one setting from its text form (URL parameter or form field). */
export function parseSetting<K extends keyof TrainSettings>(key: K, text: string): TrainSettings[K] {
  const what = PARAM_NAMES[key];
  const d = DEFAULT_SETTINGS[key];
  let v: unknown;
  if (Array.isArray(d)) v = parseWidths(text, what);
  else if (typeof d === 'boolean') v = text === '1' || text === 'true' || text === 'on';
  else {
    v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v)) throw new SettingsError(`${what}: "${text}" is not a number`);
  }
  return v as TrainSettings[K];
}

/** The defaults overridden by whatever the URL names. */
export function settingsFromParams(params: URLSearchParams, base: TrainSettings = DEFAULT_SETTINGS): TrainSettings {
  const out = structuredClone(base);
  for (const key of Object.keys(PARAM_NAMES) as (keyof TrainSettings)[]) {
    const text = params.get(PARAM_NAMES[key]);
    if (text !== null) (out as unknown as Record<string, unknown>)[key] = parseSetting(key, text);
  }
  return checkSettings(out);
}

/** Throws SettingsError naming the first setting out of range. */
export function checkSettings(s: TrainSettings): TrainSettings {
  const int = (v: number, name: string, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new SettingsError(`${name} must be an integer from ${lo} to ${hi}, got ${v}`);
  };
  int(s.batchSize, 'batch size', 2, 1024);
  int(s.steps, 'steps', 1, 1_000_000);
  int(s.blocks, 'blocks', 1, 4);
  int(s.headHidden, 'head hidden size', 1, 2048);
  int(s.headOut, 'head output size', 1, 1024);
  int(s.imageSize, 'image size', 8, 128);
  int(s.evalEvery, 'evaluate every', 0, 1_000_000);
  int(s.knnK, 'kNN k', 1, 1000);
  int(s.evalTrain, 'kNN reference images', 1, 100_000);
  int(s.evalTest, 'kNN query images', 1, 100_000);
  int(s.viewsEvery, 'views every', 0, 1_000_000);
  int(s.seed, 'seed', 0, 2 ** 31 - 1);
  if (s.channels !== 1 && s.channels !== 3) throw new SettingsError(`channels must be 1 or 3, got ${s.channels}`);
  if (!(s.lr > 0 && s.lr < 10)) throw new SettingsError(`learning rate must be in (0, 10), got ${s.lr}`);
  if (!(s.lambda >= 0)) throw new SettingsError(`lambda must be >= 0, got ${s.lambda}`);
  // Each stage after the first halves the image; keep at least 2x2 at the end.
  const stages = Math.max(s.student.length, s.peer.length);
  if (s.imageSize >> (stages - 1) < 2) throw new SettingsError(`image size ${s.imageSize} is too small for ${stages} stages (each after the first halves it)`);
  return s;
}
