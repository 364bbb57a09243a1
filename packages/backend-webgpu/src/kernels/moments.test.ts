import { describe, expect, test } from 'vitest';
import { momentsKernel, type MomentsShape } from '@dogo/shaders-tensor';
import { getTestGpu } from '../test_device.js';
import { randomArray, relL2, runKernel } from '../testing/util.js';

const gpu = await getTestGpu();

/** Mean and biased variance per channel of x [outer, channels, inner], in float64: [means..., variances...]. */
function momentsRef(x: Float32Array, { outer, channels, inner }: MomentsShape): Float64Array {
  const out = new Float64Array(2 * channels);
  const n = outer * inner;
  for (let c = 0; c < channels; c++) {
    let s = 0;
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) s += x[(o * channels + c) * inner + i]!;
    const mean = s / n;
    let q = 0;
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) q += (x[(o * channels + c) * inner + i]! - mean) ** 2;
    out[c] = mean;
    out[channels + c] = q / n;
  }
  return out;
}

describe.skipIf(!gpu)('moments kernel on WebGPU', () => {
  const cases: [string, MomentsShape][] = [
    ['NCHW over 0, 2, 3', { outer: 4, channels: 6, inner: 25 }],
    ['[N, C] over 0', { outer: 5, channels: 3, inner: 1 }],
    ['last axis', { outer: 1, channels: 7, inner: 300 }],
    ['all axes, 256 threads', { outer: 2100, channels: 1, inner: 1 }],
  ];
  for (const [name, shape] of cases) {
    test(`${name}: [${shape.outer}, ${shape.channels}, ${shape.inner}]`, async () => {
      const x = randomArray(shape.outer * shape.channels * shape.inner, 71, -2, 3);
      const { out } = await runKernel(gpu!.runner, momentsKernel(shape), { x }, { out: 2 * shape.channels }, NaN);
      expect(relL2(out!, momentsRef(x, shape))).toBeLessThan(1e-5);
    });
  }

  test('two passes: the variance of values far from zero keeps its digits (one pass E[x²] - E[x]² would not)', async () => {
    const shape = { outer: 8, channels: 2, inner: 64 };
    const x = randomArray(1024, 72, -1, 1).map((v) => 1000 + v);
    const { out } = await runKernel(gpu!.runner, momentsKernel(shape), { x }, { out: 4 });
    const want = momentsRef(x, shape);
    for (const c of [2, 3]) expect(Math.abs(out![c]! - want[c]!) / want[c]!).toBeLessThan(1e-4);
  });
});
