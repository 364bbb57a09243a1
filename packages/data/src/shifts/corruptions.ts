/**
 * Distribution shifts for robustness tests: deterministic, seeded corruptions of a uint8 Dataset, each producing a
 * new Dataset (the input is never modified). Public. Four corruptions, each at severities 1..5 with fixed
 * parameters, severity 0 being the identity:
 *
 * - `gaussian_noise`, `gaussian_blur`, `contrast`: CIFAR-10-C's definitions and constants (Hendrycks & Dietterich,
 *   ICLR 2019, `make_cifar_c.py`; ImageNet-C's code with constants for 32-px images), on pixels / 255, clipped to
 *   [0, 1]. Noise sigmas 0.04 .. 0.10, blur sigmas 0.4 .. 1 px (truncated at 4 sigma, edges replicated, as
 *   skimage's `gaussian`), contrast factors 0.75 .. 0.15 towards each image's per-channel mean.
 * - `elastic`: ours, not ImageNet-C's `elastic_transform` (which adds a random affine): a smooth random
 *   displacement field (Simard et al. 2003: uniform(-1, 1) per pixel, Gaussian-smoothed with `sigma` px,
 *   mirrored edges, truncated at 3 sigma, times `alpha` px), one field per image shared by its channels, sampled
 *   bilinearly with edge-clamped coordinates. Tuned for 28-32 px images; pass explicit parameters otherwise.
 *
 * Results are rounded to the nearest integer (CIFAR-10-C truncates with np.uint8). Randomness comes from
 * `new Rng(seed).fork(corruption).fork(imageIndex)`: independent of the severity, so the severities of one seed
 * share their random draws and differ only in scale (common random numbers), and a subset of images can be
 * corrupted alone with the same result. Host-side and meant for test sets, not training-time augmentation.
 */
import { Rng } from '@dogo/core';
import type { Dataset } from '../dataset.js';

/** The corruptions `applyShift` and `shiftedTestSets` know. */
export const SHIFT_NAMES = ['gaussian_noise', 'gaussian_blur', 'contrast', 'elastic'] as const;
export type ShiftName = (typeof SHIFT_NAMES)[number];

export interface ElasticParams {
  /** Displacement scale in pixels (the smoothed field, of RMS about 0.16 / sigma per axis, is multiplied by it). */
  alpha: number;
  /** Smoothing of the field in pixels. */
  sigma: number;
}

/** Parameters at severities 1..5 (index severity - 1). */
export const SHIFT_SEVERITIES = {
  /** Noise std on the [0, 1] pixel scale (CIFAR-10-C). */
  gaussian_noise: [0.04, 0.06, 0.08, 0.09, 0.1],
  /** Blur sigma in pixels (CIFAR-10-C). */
  gaussian_blur: [0.4, 0.6, 0.7, 0.8, 1],
  /** Contrast factor: (x - mean) * c + mean (CIFAR-10-C). */
  contrast: [0.75, 0.5, 0.4, 0.3, 0.15],
  /** Ours: sigma 4 px as Simard et al.; RMS displacement about 0.33, 0.65, 0.98, 1.4, 1.8 px per axis. */
  elastic: [8, 16, 24, 34, 44].map((alpha): ElasticParams => ({ alpha, sigma: 4 })),
} as const satisfies Record<ShiftName, readonly unknown[]>;

export const MAX_SEVERITY = 5;

function checkSeverity(name: ShiftName, severity: number): void {
  if (!Number.isInteger(severity) || severity < 0 || severity > MAX_SEVERITY) {
    throw new RangeError(`${name}: severity ${severity} must be an integer in 0..${MAX_SEVERITY} (0 is the identity)`);
  }
}

function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`shift seed ${seed} must be a non-negative safe integer`);
}

/** A dataset with the same labels and sizes and new pixels, named after its source. */
function withImages(d: Dataset, images: Uint8Array, suffix: string): Dataset {
  return { name: `${d.name}+${suffix}`, images, labels: d.labels.slice(), count: d.count, channels: d.channels, height: d.height, width: d.width, classes: d.classes };
}

function toByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** x + N(0, sigma²) on pixels / 255, clipped. sigma 0 is the identity. */
export function gaussianNoise(d: Dataset, sigma: number, seed: number): Dataset {
  if (!(sigma >= 0)) throw new RangeError(`gaussian_noise: sigma ${sigma} must be >= 0`);
  checkSeed(seed);
  const sample = d.channels * d.height * d.width;
  const out = new Uint8Array(d.images.length);
  const root = new Rng(seed).fork('gaussian_noise');
  for (let i = 0; i < d.count; i++) {
    const rng = root.fork(i);
    for (let k = i * sample; k < (i + 1) * sample; k++) out[k] = toByte(d.images[k]! + 255 * sigma * rng.normal());
  }
  return withImages(d, sigma === 0 ? d.images.slice() : out, `gaussian_noise(${sigma})`);
}

/** Normalised 1-D Gaussian taps exp(-x²/2σ²), x in [-radius, radius]. */
function gaussianTaps(sigma: number, radius: number): Float64Array {
  const taps = new Float64Array(2 * radius + 1);
  let s = 0;
  for (let x = -radius; x <= radius; x++) s += taps[x + radius] = Math.exp(-(x * x) / (2 * sigma * sigma));
  for (let k = 0; k < taps.length; k++) taps[k]! /= s;
  return taps;
}

/** Index into [0, n) for edge mode `nearest` (replicate) or `reflect` (scipy's: d c b a | a b c d | d c b a). */
function edgeIndex(i: number, n: number, mode: 'nearest' | 'reflect'): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'nearest') return i < 0 ? 0 : n - 1;
  const period = 2 * n;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - 1 - m;
}

/** Separable Gaussian filter of one H x W plane in place (float64), radius = floor(truncate * sigma + 0.5). */
function gaussianFilter2d(plane: Float64Array, h: number, w: number, sigma: number, truncate: number, mode: 'nearest' | 'reflect'): void {
  const radius = Math.floor(truncate * sigma + 0.5);
  if (sigma <= 0 || radius === 0) return;
  const taps = gaussianTaps(sigma, radius);
  const span = 2 * radius + 1;
  // Source index of each (position, tap), edge mode applied once per plane shape rather than per tap.
  const table = (n: number): Int32Array => {
    const t = new Int32Array(n * span);
    for (let i = 0; i < n; i++) for (let k = 0; k < span; k++) t[i * span + k] = edgeIndex(i + k - radius, n, mode);
    return t;
  };
  const xs = table(w);
  const ys = table(h);
  const tmp = new Float64Array(plane.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let k = 0; k < span; k++) s += taps[k]! * plane[y * w + xs[x * span + k]!]!;
    tmp[y * w + x] = s;
  }
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let k = 0; k < span; k++) s += taps[k]! * tmp[ys[y * span + k]! * w + x]!;
    plane[y * w + x] = s;
  }
}

/** Gaussian blur of every channel with `sigma` px (truncated at 4 sigma, edges replicated). sigma 0 is the identity. */
export function gaussianBlur(d: Dataset, sigma: number): Dataset {
  if (!(sigma >= 0)) throw new RangeError(`gaussian_blur: sigma ${sigma} must be >= 0`);
  const hw = d.height * d.width;
  const out = new Uint8Array(d.images.length);
  const plane = new Float64Array(hw);
  for (let p = 0; p < d.count * d.channels; p++) {
    for (let k = 0; k < hw; k++) plane[k] = d.images[p * hw + k]!;
    gaussianFilter2d(plane, d.height, d.width, sigma, 4, 'nearest');
    for (let k = 0; k < hw; k++) out[p * hw + k] = toByte(plane[k]!);
  }
  return withImages(d, out, `gaussian_blur(${sigma})`);
}

/** (x - mean) * factor + mean, mean per image and channel over H x W. factor 1 is the identity; 0 gives flat images. */
export function contrast(d: Dataset, factor: number): Dataset {
  if (!(factor >= 0)) throw new RangeError(`contrast: factor ${factor} must be >= 0`);
  const hw = d.height * d.width;
  const out = new Uint8Array(d.images.length);
  for (let p = 0; p < d.count * d.channels; p++) {
    let mean = 0;
    for (let k = p * hw; k < (p + 1) * hw; k++) mean += d.images[k]!;
    mean /= hw;
    for (let k = p * hw; k < (p + 1) * hw; k++) out[k] = toByte((d.images[k]! - mean) * factor + mean);
  }
  return withImages(d, out, `contrast(${factor})`);
}

/** Bilinear sample of one H x W uint8 plane at (y, x), coordinates clamped to the image. */
function bilinear(src: Uint8Array, off: number, h: number, w: number, y: number, x: number): number {
  const yc = Math.min(Math.max(y, 0), h - 1);
  const xc = Math.min(Math.max(x, 0), w - 1);
  const y0 = Math.floor(yc), x0 = Math.floor(xc);
  const y1 = Math.min(y0 + 1, h - 1), x1 = Math.min(x0 + 1, w - 1);
  const fy = yc - y0, fx = xc - x0;
  const top = src[off + y0 * w + x0]! * (1 - fx) + src[off + y0 * w + x1]! * fx;
  const bottom = src[off + y1 * w + x0]! * (1 - fx) + src[off + y1 * w + x1]! * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * The displacement field of image `index` ([dy, dx], each H x W in pixels): uniform(-1, 1) draws smoothed with
 * `sigma` (mirrored edges, truncated at 3 sigma) and scaled by `alpha`. Exposed for tests and inspection.
 */
export function elasticField(height: number, width: number, p: ElasticParams, seed: number, index: number): [Float64Array, Float64Array] {
  const rng = new Rng(seed).fork('elastic').fork(index);
  const field = (): Float64Array => {
    const f = new Float64Array(height * width);
    for (let k = 0; k < f.length; k++) f[k] = 2 * rng.uniform() - 1;
    gaussianFilter2d(f, height, width, p.sigma, 3, 'reflect');
    for (let k = 0; k < f.length; k++) f[k]! *= p.alpha;
    return f;
  };
  const dy = field();
  return [dy, field()];
}

/** Elastic distortion: out(y, x) = in(y + dy, x + dx), bilinear, one smooth random field per image. alpha 0 is the identity. */
export function elasticDistortion(d: Dataset, p: ElasticParams, seed: number): Dataset {
  if (!(p.alpha >= 0) || !(p.sigma > 0)) throw new RangeError(`elastic: alpha ${p.alpha} must be >= 0 and sigma ${p.sigma} > 0`);
  checkSeed(seed);
  const { height: h, width: w } = d;
  const hw = h * w;
  const out = new Uint8Array(d.images.length);
  for (let i = 0; i < d.count; i++) {
    const [dy, dx] = elasticField(h, w, p, seed, i);
    for (let c = 0; c < d.channels; c++) {
      const off = (i * d.channels + c) * hw;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        out[off + y * w + x] = toByte(bilinear(d.images, off, h, w, y + dy[y * w + x]!, x + dx[y * w + x]!));
      }
    }
  }
  return withImages(d, p.alpha === 0 ? d.images.slice() : out, `elastic(${p.alpha},${p.sigma})`);
}

/** One corruption at one severity (0..5, 0 the identity) from the fixed tables above. */
export function applyShift(d: Dataset, name: ShiftName, severity: number, seed: number): Dataset {
  checkSeverity(name, severity);
  checkSeed(seed);
  let out: Dataset;
  if (severity === 0) out = withImages(d, d.images.slice(), name);
  else if (name === 'gaussian_noise') out = gaussianNoise(d, SHIFT_SEVERITIES.gaussian_noise[severity - 1]!, seed);
  else if (name === 'gaussian_blur') out = gaussianBlur(d, SHIFT_SEVERITIES.gaussian_blur[severity - 1]!);
  else if (name === 'contrast') out = contrast(d, SHIFT_SEVERITIES.contrast[severity - 1]!);
  else if (name === 'elastic') out = elasticDistortion(d, SHIFT_SEVERITIES.elastic[severity - 1]!, seed);
  else throw new RangeError(`unknown shift "${name as string}"; known: ${SHIFT_NAMES.join(', ')}`);
  return { ...out, name: `${d.name}+${name}/${severity}` };
}
