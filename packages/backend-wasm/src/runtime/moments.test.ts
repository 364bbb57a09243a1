/**
 * The moments kernel against two-pass float64 loops: planes (HW > 1) and rows (HW = 1, four channels at a
 * time plus leftovers), in both builds, on one thread and split over two.
 */
import v8 from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmRuntime } from './wasm_runtime.js';
import { randomFloats, relativeL2 } from './reference_kernels.js';
import { testWorkerHost } from '../backend/test_worker_host.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

function refMoments(x: ArrayLike<number>, n: number, c: number, hw: number): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(c), variance = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let i = 0; i < n; i++) for (let p = 0; p < hw; p++) s += x[(i * c + ch) * hw + p]!;
    mean[ch] = s / (n * hw);
    let q = 0;
    for (let i = 0; i < n; i++) for (let p = 0; p < hw; p++) q += (x[(i * c + ch) * hw + p]! - mean[ch]!) ** 2;
    variance[ch] = q / (n * hw);
  }
  return { mean, variance };
}

const SHAPES: [number, number, number][] = [[4, 6, 37], [2, 3, 64], [64, 11, 1], [9, 4, 1], [300, 256, 1], [3, 2, 17]];

for (const [variant, threads] of [['simd', 1], ['relaxed', 1], ['relaxed', 2]] as const) {
  describe(`moments kernel (${variant}, ${threads} thread(s))`, () => {
    let rt: WasmRuntime;
    beforeAll(async () => { rt = await WasmRuntime.create({ variant, threads, workerHost: testWorkerHost(), warmUp: false }); });
    afterAll(() => rt.dispose());

    for (const [n, c, hw] of SHAPES) {
      it(`mean and biased variance of [${n}, ${c}, ${hw}]`, () => {
        // an offset per channel larger than the spread: a one-pass formula would lose the variance
        const X = randomFloats(n * c * hw, 71).map((v, k) => v * 3 + 100 * (Math.floor(k / hw) % c));
        const x = rt.upload(X), out = rt.allocF32(2 * c);
        rt.moments({ x, mean: out, variance: out + 4 * c, outer: n, channels: c, inner: hw });
        const want = refMoments(X, n, c, hw);
        expect(relativeL2(rt.read(out, c), want.mean)).toBeLessThan(1e-6);
        expect(relativeL2(rt.read(out + 4 * c, c), want.variance)).toBeLessThan(2e-6);
        rt.free(x);
        rt.free(out);
      });
    }
  });
}
