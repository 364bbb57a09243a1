/**
 * Worst error of each Winograd transform against float64, in all three directions, on the DoGo step's layer
 * shapes (32 to 256 channels, 28x28 to 7x7; one image each) with zero-mean data (uniform [-1, 1)) and with
 * ReLU-like data (inputs uniform [0, 1)). Two measures: relative L2 over the tensor (what the conformance
 * vectors bound) and the largest element error over the largest |value|. The bounds are about twice the
 * errors measured when this was written (packages/backend-wasm/README.md has the table; WINOGRAD_ERRORS=1
 * prints it); im2col is measured alongside as the yardstick. Deterministic: no timing.
 */
import v8 from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmRuntime } from './wasm_runtime.js';
import { randomFloats, refConv2dBackwardData, refConv2dBackwardWeight, refConv2dForward, refConvOut, relativeL2, type RefConv } from './reference_kernels.js';
import type { Conv2dAlgorithm } from './conv2d.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const SHAPES: RefConv[] = [[32, 28], [64, 14], [128, 14], [256, 7]].map(([c, h]) => ({ n: 1, c: c!, h: h!, w: h!, o: c!, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 }));
const ALGORITHMS: Conv2dAlgorithm[] = ['im2col', 'winograd_f2', 'winograd_f4', 'winograd_f6'];
/** Bounds per algorithm: [relative L2, max element error / max |value|]. */
const BOUNDS: Record<Conv2dAlgorithm, [number, number]> = {
  im2col: [2e-6, 5e-6], winograd_f2: [1.5e-6, 2e-6], winograd_f4: [5e-6, 2.5e-5], winograd_f6: [1.5e-5, 4e-5],
};

function maxRel(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let err = 0, scale = 0;
  for (let k = 0; k < want.length; k++) { err = Math.max(err, Math.abs(got[k]! - want[k]!)); scale = Math.max(scale, Math.abs(want[k]!)); }
  return err / scale;
}

describe('Winograd error against float64 (relaxed SIMD, one image per shape)', () => {
  let rt: WasmRuntime;
  beforeAll(async () => { rt = await WasmRuntime.create({ variant: 'relaxed', threads: 1, warmUp: false }); });
  afterAll(() => rt.dispose());

  it('stays within each transform\'s bounds in every direction, for zero-mean and for non-negative inputs', () => {
    const worst = new Map<string, [number, number]>();
    const note = (key: string, got: ArrayLike<number>, want: ArrayLike<number>) => {
      const w = worst.get(key) ?? [0, 0];
      worst.set(key, [Math.max(w[0], relativeL2(got, want)), Math.max(w[1], maxRel(got, want))]);
    };
    for (const g of SHAPES) {
      for (const positive of [false, true]) {
        const { oh, ow } = refConvOut(g);
        const shift = (a: Float32Array) => (positive ? a.map((v) => 0.5 * (v + 1)) : a);
        const X = shift(randomFloats(g.n * g.c * g.h * g.w, 31)), W = randomFloats(g.o * g.c * 9, 32), DY = randomFloats(g.n * g.o * oh * ow, 33);
        const refs = { forward: refConv2dForward(g, X, W), backward_data: refConv2dBackwardData(g, DY, W), backward_weight: refConv2dBackwardWeight(g, X, DY) };
        const x = rt.upload(X), w = rt.upload(W), dy = rt.upload(DY);
        const y = rt.allocF32(DY.length), dx = rt.allocF32(X.length), dw = rt.allocF32(W.length);
        const geo = { n: g.n, c: g.c, h: g.h, w: g.w, o: g.o, kh: 3, kw: 3, padH: 1, padW: 1 };
        for (const algorithm of ALGORITHMS) {
          rt.conv2dForward({ ...geo, x, weight: w, y, algorithm });
          note(`${algorithm} forward`, rt.read(y, DY.length), refs.forward);
          rt.conv2dBackwardData({ ...geo, dy, weight: w, dx, algorithm });
          note(`${algorithm} backward_data`, rt.read(dx, X.length), refs.backward_data);
          rt.conv2dBackwardWeight({ ...geo, x, dy, dw, algorithm });
          note(`${algorithm} backward_weight`, rt.read(dw, W.length), refs.backward_weight);
        }
        for (const off of [x, w, dy, y, dx, dw]) rt.free(off);
      }
    }
    if (process.env['WINOGRAD_ERRORS']) {
      for (const [k, [l2, mx]] of worst) console.log(`${k.padEnd(28)} relative L2 ${l2.toExponential(2)}  max element ${mx.toExponential(2)}`);
    }
    for (const [k, [l2, mx]] of worst) {
      const [bl2, bmx] = BOUNDS[k.split(' ')[0] as Conv2dAlgorithm];
      expect(l2, `${k} relative L2`).toBeLessThan(bl2);
      expect(mx, `${k} max element error`).toBeLessThan(bmx);
    }
  }, 300_000);
});
