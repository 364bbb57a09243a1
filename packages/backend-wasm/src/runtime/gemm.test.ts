import v8 from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmRuntime } from './wasm_runtime.js';
import { randomFloats, refGemm, relativeL2 } from './reference_kernels.js';

// relaxed SIMD is behind a flag on Node 20; it must be set before the first compile
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const SIZES: [number, number, number][] = [
  [37, 29, 41], [1, 1, 1], [2, 3, 1], [1, 17, 5], [19, 1, 7], [64, 48, 33], [130, 17, 300], [5, 300, 257], [121, 97, 3],
];

for (const variant of ['simd', 'relaxed'] as const) {
  describe(`gemm (${variant})`, () => {
    let rt: WasmRuntime;
    beforeAll(async () => { rt = await WasmRuntime.create({ variant, threads: 1 }); });
    afterAll(() => rt.dispose());

    it('uses the requested build', () => expect(rt.variant).toBe(variant));

    for (const tA of [false, true]) for (const tB of [false, true]) {
      it(`matches a float64 loop, transposeA=${tA} transposeB=${tB}`, () => {
        for (const [m, n, k] of SIZES) {
          // leading dimensions wider than the matrices, to exercise strides
          const lda = (tA ? m : k) + 3, ldb = (tB ? k : n) + 1, ldc = n + 2;
          const aRows = tA ? k : m, bRows = tB ? n : k;
          const A = randomFloats(aRows * lda, m * 7 + 1), B = randomFloats(bRows * ldb, n * 13 + 2);
          const a = rt.upload(A), b = rt.upload(B), c = rt.allocF32(m * ldc);
          rt.gemm({ m, n, k, a, lda, b, ldb, c, ldc, transposeA: tA, transposeB: tB });
          const got = rt.read(c, m * ldc);
          const packed = new Float32Array(m * n);
          for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) packed[i * n + j] = got[i * ldc + j];
          const err = relativeL2(packed, refGemm(m, n, k, A, lda, B, ldb, tA, tB));
          expect(err, `${m}x${n}x${k}`).toBeLessThanOrEqual(1e-5);
          rt.free(a); rt.free(b); rt.free(c);
        }
      });
    }

    it('accumulates onto C', () => {
      const [m, n, k] = [23, 45, 19];
      const A = randomFloats(m * k, 3), B = randomFloats(k * n, 4), C0 = randomFloats(m * n, 5);
      const a = rt.upload(A), b = rt.upload(B), c = rt.upload(C0);
      const prod = refGemm(m, n, k, A, k, B, n);
      rt.gemm({ m, n, k, a, b, c, accumulate: true });
      expect(relativeL2(rt.read(c, m * n), prod.map((v, q) => v + C0[q]))).toBeLessThan(1e-5);
      rt.gemm({ m, n, k, a, b, c });
      expect(relativeL2(rt.read(c, m * n), prod)).toBeLessThan(1e-5);
    });

    it('with k = 0 gives zeros (or leaves C when accumulating)', () => {
      const c = rt.upload([1, 2, 3, 4, 5, 6]);
      rt.gemm({ m: 2, n: 3, k: 0, a: c, b: c, c, accumulate: true });
      expect(Array.from(rt.read(c, 6))).toEqual([1, 2, 3, 4, 5, 6]);
      rt.gemm({ m: 2, n: 3, k: 0, a: c, b: c, c });
      expect(Array.from(rt.read(c, 6))).toEqual([0, 0, 0, 0, 0, 0]);
    });

    it('handles a large product spanning several cache blocks', () => {
      const [m, n, k] = [250, 1000, 530];
      const A = randomFloats(m * k, 8), B = randomFloats(n * k, 9);
      const a = rt.upload(A), b = rt.upload(B), c = rt.allocF32(m * n);
      rt.gemm({ m, n, k, a, b, c, transposeB: true });
      expect(relativeL2(rt.read(c, m * n), refGemm(m, n, k, A, k, B, k, false, true))).toBeLessThan(1e-5);
    });
  });
}
