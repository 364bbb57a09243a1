import { describe, expect, it } from 'vitest';
import { Graph, ReferenceBackend, Rng } from '@dogo/core';
import { colorAugment, sampleColorParams } from './color.js';

const H = 4, W = 5, P = H * W;

async function apply(x: Float32Array, params: number[][]): Promise<Float64Array> {
  const n = params.length;
  const g = new Graph();
  const y = colorAugment(g.input('x', [n, 3, H, W]), g.input('p', [n, 6]));
  const exe = await new ReferenceBackend().compile({ outputs: { y } });
  return (await exe.run({ x, p: Float32Array.from(params.flat()) }))['y']!.data as Float64Array;
}

/** Mid-range colours so no step clamps. */
function image(seed: number, n = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * 3 * P }, () => 0.3 + 0.4 * rng.uniform());
}

const luma = (v: ArrayLike<number>, p: number, off = 0) => 0.299 * v[off + p]! + 0.587 * v[off + P + p]! + 0.114 * v[off + 2 * P + p]!;
const IDENTITY = [1, 1, 1, 1, 0, 0];

describe('colour augmentation', () => {
  it('is the identity for neutral parameters', async () => {
    const x = image(1);
    const y = await apply(x, [IDENTITY]);
    y.forEach((v, i) => expect(v).toBeCloseTo(x[i]!, 6));
  });

  it('scales brightness, collapses contrast to the mean gray and saturation to gray', async () => {
    const x = image(2, 3);
    const y = await apply(x, [[0.5, 1, 1, 1, 0, 0], [1, 0, 1, 1, 0, 0], [1, 1, 0, 1, 0, 0]]);
    for (let i = 0; i < 3 * P; i++) expect(y[i]).toBeCloseTo(0.5 * x[i]!, 6);
    let mean = 0;
    for (let p = 0; p < P; p++) mean += luma(x, p, 3 * P) / P;
    for (let i = 0; i < 3 * P; i++) expect(y[3 * P + i]).toBeCloseTo(mean, 6);
    for (let c = 0; c < 3; c++) for (let p = 0; p < P; p++) expect(y[6 * P + c * P + p]).toBeCloseTo(luma(x, p, 6 * P), 6);
  });

  it('rotates hue keeping luma, and grayscale gives three equal channels', async () => {
    const x = image(3, 2);
    const t = (2 * Math.PI) / 3;
    const y = await apply(x, [[1, 1, 1, Math.cos(t), Math.sin(t), 0], [1, 1, 1, 1, 0, 1]]);
    let moved = 0;
    for (let p = 0; p < P; p++) {
      expect(luma(y, p)).toBeCloseTo(luma(x, p), 4);
      moved += Math.abs(y[p]! - x[p]!);
      expect(y[3 * P + p]).toBeCloseTo(luma(x, p, 3 * P), 6);
      expect(y[4 * P + p]).toBeCloseTo(y[3 * P + p]!, 6);
      expect(y[5 * P + p]).toBeCloseTo(y[3 * P + p]!, 6);
    }
    expect(moved / P).toBeGreaterThan(0.01);
  });

  it('gives one-channel images brightness and contrast only, as torchvision does for grayscale', async () => {
    // SimCLR on grayscale data without intensity jitter matches crops by brightness and contrast, and its
    // features get worse as it trains; torchvision's ColorJitter applies both to one channel and leaves
    // saturation, hue and RandomGrayscale as no-ops.
    const n = 4;
    const rng = new Rng(5);
    const x = Float32Array.from({ length: n * P }, () => 0.3 + 0.4 * rng.uniform());
    const params = [[0.5, 1, 1, 1, 0, 0], [1, 0, 1, 1, 0, 0], [1, 1, 0, Math.cos(2), Math.sin(2), 1], [1.2, 0.5, 0.3, Math.cos(1), Math.sin(1), 1]];
    const g = new Graph();
    const y = colorAugment(g.input('x', [n, 1, H, W]), g.input('p', [n, 6]));
    expect(y.shape).toEqual([n, 1, H, W]);
    const exe = await new ReferenceBackend().compile({ outputs: { y } });
    const out = (await exe.run({ x, p: Float32Array.from(params.flat()) }))['y']!.data;
    const mean = (off: number, v: ArrayLike<number> = x) => Array.from({ length: P }, (_, p) => v[off + p]!).reduce((a, b) => a + b) / P;
    for (let p = 0; p < P; p++) {
      expect(out[p]).toBeCloseTo(0.5 * x[p]!, 6);
      expect(out[P + p]).toBeCloseTo(mean(P), 6);
      expect(out[2 * P + p]).toBeCloseTo(x[2 * P + p]!, 6);
      const b = Math.min(1.2 * x[3 * P + p]!, 1);
      expect(out[3 * P + p]).toBeCloseTo(0.5 * b + 0.5 * Array.from({ length: P }, (_, q) => Math.min(1.2 * x[3 * P + q]!, 1)).reduce((a, c) => a + c) / P, 6);
    }
  });

  it('samples SimCLR strengths: jitter with p=0.8, grayscale with p=0.2', () => {
    const n = 4000;
    const p = sampleColorParams(new Rng(4), n);
    let jittered = 0, grays = 0;
    for (let i = 0; i < n; i++) {
      const [b, c, s, cos, sin, g] = p.subarray(i * 6, i * 6 + 6) as unknown as number[];
      if (b !== 1 || c !== 1 || s !== 1) jittered++;
      grays += g!;
      expect(b! >= 0.2 && b! <= 1.8 && c! >= 0.2 && s! <= 1.8).toBe(true);
      expect(cos! ** 2 + sin! ** 2).toBeCloseTo(1, 5);
      expect(Math.abs(Math.atan2(sin!, cos!))).toBeLessThanOrEqual(0.2 * 2 * Math.PI + 1e-6);
    }
    expect(jittered / n).toBeGreaterThan(0.77);
    expect(jittered / n).toBeLessThan(0.83);
    expect(grays / n).toBeGreaterThan(0.17);
    expect(grays / n).toBeLessThan(0.23);
  });
});
