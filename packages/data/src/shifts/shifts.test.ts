/** Distribution shifts: identities, determinism, uint8 range, and each corruption's measurable effect. */
import { describe, expect, it } from 'vitest';
import { Rng } from '@dogo/core';
import type { Dataset } from '../dataset.js';
import { checkDataset } from '../dataset.js';
import {
  SHIFT_NAMES, SHIFT_SEVERITIES, applyShift, contrast, elasticDistortion, elasticField, gaussianBlur, gaussianNoise,
} from './corruptions.js';
import { shiftedTestSets } from './shifted_test_sets.js';

function dataset(count: number, channels: number, size: number, pixel: (i: number, c: number, y: number, x: number) => number, name = 'synthetic/test'): Dataset {
  const images = new Uint8Array(count * channels * size * size);
  let k = 0;
  for (let i = 0; i < count; i++) for (let c = 0; c < channels; c++) for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) images[k++] = pixel(i, c, y, x);
  return { name, images, labels: Int32Array.from({ length: count }, (_, i) => i % 3), count, channels, height: size, width: size, classes: ['a', 'b', 'c'] };
}

const rng = new Rng(11);
const randomImages = dataset(6, 3, 16, () => rng.int(256));

function stats(v: ArrayLike<number>, from = 0, to = v.length): { mean: number; std: number } {
  let m = 0;
  for (let k = from; k < to; k++) m += v[k]!;
  m /= to - from;
  let s = 0;
  for (let k = from; k < to; k++) s += (v[k]! - m) ** 2;
  return { mean: m, std: Math.sqrt(s / (to - from)) };
}

/** Sum of squared differences between horizontal and vertical neighbours: high-frequency energy. */
function gradientEnergy(d: Dataset): number {
  const { height: h, width: w } = d;
  let e = 0;
  for (let p = 0; p < d.count * d.channels; p++) {
    const o = p * h * w;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      if (x + 1 < w) e += (d.images[o + y * w + x + 1]! - d.images[o + y * w + x]!) ** 2;
      if (y + 1 < h) e += (d.images[o + (y + 1) * w + x]! - d.images[o + y * w + x]!) ** 2;
    }
  }
  return e;
}

describe('shifts: identities, determinism, range', () => {
  it('severity 0, noise sigma 0, blur sigma 0, contrast factor 1 and elastic alpha 0 give the input pixels in a new array', () => {
    const outs = [
      ...SHIFT_NAMES.map((n) => applyShift(randomImages, n, 0, 3)),
      gaussianNoise(randomImages, 0, 3), gaussianBlur(randomImages, 0), contrast(randomImages, 1), elasticDistortion(randomImages, { alpha: 0, sigma: 4 }, 3),
    ];
    for (const o of outs) {
      expect(o.images).not.toBe(randomImages.images);
      expect(o.images).toEqual(randomImages.images);
      expect(o.labels).toEqual(randomImages.labels);
      expect(o.labels).not.toBe(randomImages.labels);
    }
  });

  it('is deterministic for a seed, depends on it where random, and never modifies its input', () => {
    const before = randomImages.images.slice();
    for (const name of SHIFT_NAMES) {
      const a = applyShift(randomImages, name, 3, 7);
      expect(applyShift(randomImages, name, 3, 7).images).toEqual(a.images);
      const other = applyShift(randomImages, name, 3, 8).images;
      if (name === 'gaussian_noise' || name === 'elastic') expect(other).not.toEqual(a.images);
      else expect(other).toEqual(a.images);
      expect(a.images).not.toEqual(randomImages.images);
    }
    expect(randomImages.images).toEqual(before);
  });

  it('stays uint8 in [0, 255] with the same sizes and labels, clipping instead of wrapping', () => {
    const white = dataset(4, 1, 16, () => 255);
    const black = dataset(4, 1, 16, () => 0);
    for (const name of SHIFT_NAMES) for (let s = 1; s <= 5; s++) {
      const out = applyShift(randomImages, name, s, 1);
      expect(out.images).toBeInstanceOf(Uint8Array);
      checkDataset(out);
      expect(out.name).toBe(`synthetic/test+${name}/${s}`);
    }
    // Clipped noise on saturated images: no value wraps around (255 + noise -> 255, not a small number).
    expect(Math.min(...gaussianNoise(white, 0.1, 0).images)).toBeGreaterThan(255 - 6 * 25.5);
    expect(Math.max(...gaussianNoise(black, 0.1, 0).images)).toBeLessThan(6 * 25.5);
    expect(stats(gaussianNoise(white, 0.1, 0).images).mean).toBeLessThan(255);
  });

  it('refuses unknown severities and parameters, saying what is allowed', () => {
    expect(() => applyShift(randomImages, 'contrast', 6, 0)).toThrow('contrast: severity 6 must be an integer in 0..5 (0 is the identity)');
    expect(() => applyShift(randomImages, 'contrast', 1.5, 0)).toThrow(RangeError);
    expect(() => applyShift(randomImages, 'gaussian_noise', 1, -1)).toThrow(/seed -1/);
    expect(() => gaussianNoise(randomImages, -0.1, 0)).toThrow(RangeError);
    expect(() => elasticDistortion(randomImages, { alpha: 1, sigma: 0 }, 0)).toThrow(RangeError);
    expect(() => shiftedTestSets(randomImages, { seed: 0, corruptions: ['fog' as never] })).toThrow(/unknown corruption "fog"/);
  });
});

describe('shifts: measured effects', () => {
  it('gaussian noise: measured std on the [0,1] scale is the requested sigma at every severity', () => {
    const grey = dataset(50, 1, 32, () => 128);
    for (const sigma of SHIFT_SEVERITIES.gaussian_noise) {
      const { mean, std } = stats(gaussianNoise(grey, sigma, 5).images);
      expect(Math.abs(std / 255 - sigma) / sigma).toBeLessThan(0.02);
      expect(Math.abs(mean - 128)).toBeLessThan(0.5);
    }
  });

  it('gaussian blur: a point spreads as the sampled Gaussian, mass is kept, high-frequency energy falls with severity', () => {
    const point = dataset(1, 1, 15, (_i, _c, y, x) => (y === 7 && x === 7 ? 255 : 0));
    const blurred = gaussianBlur(point, 1).images;
    const g0 = 1 / Array.from({ length: 9 }, (_, k) => Math.exp(-((k - 4) ** 2) / 2)).reduce((a, b) => a + b);
    expect(blurred[7 * 15 + 7]).toBe(Math.round(255 * g0 * g0)); // 41
    expect(blurred[7 * 15 + 8]).toBe(Math.round(255 * g0 * g0 * Math.exp(-0.5)));
    expect(Math.abs(blurred.reduce((a, b) => a + b, 0) - 255)).toBeLessThan(15); // rounding of the tails
    let last = gradientEnergy(randomImages);
    for (let s = 1; s <= 5; s++) {
      const e = gradientEnergy(applyShift(randomImages, 'gaussian_blur', s, 0));
      expect(e).toBeLessThan(last);
      last = e;
    }
    expect(last).toBeLessThan(0.2 * gradientEnergy(randomImages));
    // A constant image is unchanged (edges replicated, taps sum to 1).
    expect(gaussianBlur(dataset(1, 2, 8, () => 77), 1).images.every((v) => v === 77)).toBe(true);
  });

  it('contrast: each image-channel keeps its mean and its pixel std shrinks by the factor', () => {
    const hw = 16 * 16;
    for (const factor of SHIFT_SEVERITIES.contrast) {
      const out = contrast(randomImages, factor).images;
      for (let p = 0; p < randomImages.count * randomImages.channels; p++) {
        const a = stats(randomImages.images, p * hw, (p + 1) * hw);
        const b = stats(out, p * hw, (p + 1) * hw);
        expect(Math.abs(b.std - factor * a.std)).toBeLessThan(0.6); // rounding to integers
        expect(Math.abs(b.mean - a.mean)).toBeLessThan(0.6);
      }
    }
  });

  it('elastic: a smooth field that scales with alpha; a ramp moves by exactly the field, a constant image not at all', () => {
    const p = SHIFT_SEVERITIES.elastic;
    const [dy1, dx1] = elasticField(32, 32, p[0]!, 9, 2);
    const [dy5] = elasticField(32, 32, p[4]!, 9, 2);
    for (let k = 0; k < dy1.length; k++) expect(dy5[k]!).toBeCloseTo((dy1[k]! * p[4]!.alpha) / p[0]!.alpha, 9);
    // RMS of a uniform(-1,1) field smoothed by a 2-D Gaussian: alpha * sqrt(1/3) / (2 sqrt(pi) sigma), within 30% on one field.
    const rms = Math.sqrt(dx1.reduce((a, v) => a + v * v, 0) / dx1.length);
    const predicted = (p[0]!.alpha * Math.sqrt(1 / 3)) / (2 * Math.sqrt(Math.PI) * p[0]!.sigma);
    expect(rms / predicted).toBeGreaterThan(0.7);
    expect(rms / predicted).toBeLessThan(1.3);
    // Smooth: neighbouring displacements are close next to the field's spread.
    let diff = 0;
    for (let y = 0; y < 32; y++) for (let x = 0; x + 1 < 32; x++) diff += (dx1[y * 32 + x + 1]! - dx1[y * 32 + x]!) ** 2;
    expect(Math.sqrt(diff / (32 * 31))).toBeLessThan(0.3 * rms);

    const ramp = dataset(3, 2, 32, (_i, c, _y, x) => 40 + 5 * x + c);
    const seed = 4;
    const out = applyShift(ramp, 'elastic', 5, seed).images;
    for (let i = 0; i < 3; i++) {
      const [, dx] = elasticField(32, 32, p[4]!, seed, i);
      for (let c = 0; c < 2; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
        const xs = Math.min(Math.max(x + dx[y * 32 + x]!, 0), 31);
        expect(out[((i * 2 + c) * 32 + y) * 32 + x]).toBe(Math.round(40 + 5 * xs + c));
      }
    }
    expect(elasticDistortion(dataset(2, 1, 32, () => 90), p[4]!, 1).images.every((v) => v === 90)).toBe(true);
    // Larger severities move pixels more.
    const moved = (s: number) => stats(applyShift(randomImages, 'elastic', s, 1).images.map((v, k) => Math.abs(v - randomImages.images[k]!))).mean;
    expect(moved(5)).toBeGreaterThan(moved(1));
  });
});

describe('shiftedTestSets', () => {
  it('returns every corruption at every asked severity, keyed corruption/severity, labels untouched', () => {
    const all = shiftedTestSets(randomImages, { seed: 1 });
    expect(Object.keys(all)).toEqual(SHIFT_NAMES.flatMap((n) => [1, 2, 3, 4, 5].map((s) => `${n}/${s}`)));
    for (const [key, d] of Object.entries(all)) {
      expect(d.name).toBe(`synthetic/test+${key}`);
      expect(d.labels).toEqual(randomImages.labels);
      expect(d.count).toBe(randomImages.count);
      expect(d.images).toEqual(applyShift(randomImages, key.split('/')[0] as never, Number(key.split('/')[1]), 1).images);
    }
    const some = shiftedTestSets(randomImages, { seed: 1, severities: [0, 2], corruptions: ['contrast'] });
    expect(Object.keys(some)).toEqual(['contrast/0', 'contrast/2']);
    expect(some['contrast/0']!.images).toEqual(randomImages.images);
  });
});
