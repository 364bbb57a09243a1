import v8 from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmRuntime } from './wasm_runtime.js';
import { randomFloats, refConv2dBackwardData, refConv2dBackwardWeight, refConv2dForward, refConvOut, relativeL2, type RefConv } from './reference_kernels.js';
import { conv2dAlgorithms, type Conv2dAlgorithm } from './conv2d.js';
import { KernelParamError } from './launch.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

// 3x3 stride-1 shapes: outputs that are and are not multiples of every tile edge, padding 0, 1, 2, one
// image and many (blocks of several images, bands of tile rows), channel counts off the register block and
// past the gemm's K slice (384)
const CASES: (RefConv & { name: string })[] = [
  { name: 'x[4,3,9,9] w[8,3] p1', n: 4, c: 3, h: 9, w: 9, o: 8, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 },
  { name: 'x[3,5,7,6] w[4,5] p0', n: 3, c: 5, h: 7, w: 6, o: 4, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0 },
  { name: 'x[2,7,5,11] w[13,7] p2', n: 2, c: 7, h: 5, w: 11, o: 13, kh: 3, kw: 3, sh: 1, sw: 1, ph: 2, pw: 2 },
  { name: 'x[1,4,40,37] w[6,4] p1 (bands)', n: 1, c: 4, h: 40, w: 37, o: 6, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 },
  { name: 'x[23,16,7,7] w[32,16] p1 (image blocks)', n: 23, c: 16, h: 7, w: 7, o: 32, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 },
  { name: 'x[1,400,6,6] w[5,400] p1 (K slices)', n: 1, c: 400, h: 6, w: 6, o: 5, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 },
  { name: 'x[2,3,3,3] w[2,3] p(1,0)', n: 2, c: 3, h: 3, w: 3, o: 2, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 0 },
];
const ALGORITHMS: Conv2dAlgorithm[] = ['winograd_f2', 'winograd_f4', 'winograd_f6'];
/** Worst relative L2 error against float64 each transform may show on these inputs (uniform [-1, 1)). */
const BOUND: Record<string, number> = { winograd_f2: 1e-6, winograd_f4: 3e-6, winograd_f6: 3e-5 };

const geo = (g: RefConv) => ({ n: g.n, c: g.c, h: g.h, w: g.w, o: g.o, kh: g.kh, kw: g.kw, strideH: g.sh, strideW: g.sw, padH: g.ph, padW: g.pw });

for (const variant of ['simd', 'relaxed'] as const) {
  for (const threads of [1, 3]) {
    describe(`winograd (${variant}, ${threads} thread${threads > 1 ? 's' : ''})`, () => {
      let rt: WasmRuntime;
      beforeAll(async () => {
        const { testWorkerHost } = await import('../backend/test_worker_host.js');
        rt = await WasmRuntime.create({ variant, threads, workerHost: threads > 1 ? testWorkerHost() : undefined, warmUp: false });
      });
      afterAll(() => rt.dispose());

      for (const g of CASES) {
        for (const algorithm of ALGORITHMS) {
          it(`${algorithm} forward, input gradient, weight gradient: ${g.name}`, () => {
            const { oh, ow } = refConvOut(g);
            const X = randomFloats(g.n * g.c * g.h * g.w, 21), W = randomFloats(g.o * g.c * 9, 22), DY = randomFloats(g.n * g.o * oh * ow, 23);
            const x = rt.upload(X), w = rt.upload(W), dy = rt.upload(DY);
            const y = rt.allocF32(DY.length + 16), dx = rt.allocF32(X.length + 16);
            // guard values after the outputs must survive (partial tiles store only inside the image)
            rt.f32(y + DY.length * 4, 16).fill(7);
            rt.f32(dx + X.length * 4, 16).fill(7);
            rt.conv2dForward({ ...geo(g), x, weight: w, y, algorithm });
            expect(relativeL2(rt.read(y, DY.length), refConv2dForward(g, X, W))).toBeLessThan(BOUND[algorithm]!);
            rt.conv2dBackwardData({ ...geo(g), dy, weight: w, dx, algorithm });
            expect(relativeL2(rt.read(dx, X.length), refConv2dBackwardData(g, DY, W))).toBeLessThan(BOUND[algorithm]!);
            expect([...rt.read(y + DY.length * 4, 16), ...rt.read(dx + X.length * 4, 16)].every((v) => v === 7)).toBe(true);
            const dw = rt.allocF32(W.length);
            rt.conv2dBackwardWeight({ ...geo(g), x, dy, dw, algorithm });
            const dwRef = refConv2dBackwardWeight(g, X, DY);
            expect(relativeL2(rt.read(dw, W.length), dwRef)).toBeLessThan(BOUND[algorithm]!);
            rt.conv2dBackwardWeight({ ...geo(g), x, dy, dw, algorithm, accumulate: true });
            expect(relativeL2(rt.read(dw, W.length), dwRef.map((v) => 2 * v))).toBeLessThan(BOUND[algorithm]!);
            for (const off of [x, w, dy, y, dx, dw]) rt.free(off);
          });
        }
      }
    });
  }
}

describe('winograd applicability', () => {
  it('applies to 3x3 stride-1 convolutions in every direction (input gradients: padding <= 2)', () => {
    const g = { n: 1, c: 4, h: 8, w: 8, o: 4, kh: 3, kw: 3, padH: 1, padW: 1 };
    expect(conv2dAlgorithms(g, 'forward')).toEqual(['im2col', 'winograd_f2', 'winograd_f4', 'winograd_f6']);
    expect(conv2dAlgorithms(g, 'backward_weight')).toEqual(['im2col', 'winograd_f2', 'winograd_f4', 'winograd_f6']);
    expect(conv2dAlgorithms({ ...g, strideH: 2, strideW: 2 }, 'backward_weight')).toEqual(['im2col']);
    expect(conv2dAlgorithms({ ...g, strideH: 2, strideW: 2 }, 'forward')).toEqual(['im2col']);
    expect(conv2dAlgorithms({ ...g, kh: 5, kw: 5 }, 'forward')).toEqual(['im2col']);
    expect(conv2dAlgorithms({ ...g, padH: 3, padW: 3 }, 'backward_data')).toEqual(['im2col']);
    expect(conv2dAlgorithms({ ...g, padH: 3, padW: 3 }, 'forward')).toContain('winograd_f4');
  });

  it('a Winograd algorithm on a strided convolution is a KernelParamError naming it', async () => {
    const rt = await WasmRuntime.create({ variant: 'simd', threads: 1, warmUp: false });
    try {
      expect(() => rt.conv2dForward({ n: 1, c: 1, h: 8, w: 8, o: 1, kh: 3, kw: 3, strideH: 2, strideW: 2, x: 0, weight: 0, y: 0, algorithm: 'winograd_f4' }))
        .toThrow(KernelParamError);
      expect(() => rt.conv2dForward({ n: 1, c: 1, h: 8, w: 8, o: 1, kh: 3, kw: 3, strideH: 2, strideW: 2, x: 0, weight: 0, y: 0, algorithm: 'winograd_f4' }))
        .toThrow(/winograd_f4.*stride 2,2/);
    } finally {
      rt.dispose();
    }
  });
});
