import v8 from 'node:v8';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmRuntime } from './wasm_runtime.js';
import {
  randomFloats, refConv2dBackwardData, refConv2dBackwardWeight, refConv2dForward, refConvOut, relativeL2, type RefConv,
} from './reference_kernels.js';
import { REPO_ROOT, vectorFile } from '../../../../tools/vectors/vector_folders.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

// the shapes of the conformance vectors, plus odd ones
const CASES: (RefConv & { name: string })[] = [
  { name: 'x[4,3,9,9] w[8,3,3,3] s1 p1', n: 4, c: 3, h: 9, w: 9, o: 8, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 },
  { name: 'x[2,8,10,10] w[16,8,3,3] s2 p1', n: 2, c: 8, h: 10, w: 10, o: 16, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1 },
  { name: '1x1 s2', n: 2, c: 8, h: 10, w: 10, o: 16, kh: 1, kw: 1, sh: 2, sw: 2, ph: 0, pw: 0 },
  { name: '1x1 s1 (direct)', n: 3, c: 5, h: 7, w: 6, o: 9, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0 },
  { name: '7x7 s2 p3', n: 2, c: 3, h: 15, w: 15, o: 6, kh: 7, kw: 7, sh: 2, sw: 2, ph: 3, pw: 3 },
  { name: '3x3 p0 (x[3,5,7,6])', n: 3, c: 5, h: 7, w: 6, o: 4, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0 },
  { name: 'odd: 2x5 s(1,3) p(1,2)', n: 1, c: 2, h: 6, w: 11, o: 3, kh: 2, kw: 5, sh: 1, sw: 3, ph: 1, pw: 2 },
];

const geo = (g: RefConv) => ({ n: g.n, c: g.c, h: g.h, w: g.w, o: g.o, kh: g.kh, kw: g.kw, strideH: g.sh, strideW: g.sw, padH: g.ph, padW: g.pw });

for (const variant of ['simd', 'relaxed'] as const) {
  describe(`conv2d (${variant})`, () => {
    let rt: WasmRuntime;
    beforeAll(async () => { rt = await WasmRuntime.create({ variant, threads: 1 }); });
    afterAll(() => rt.dispose());

    for (const g of CASES) {
      it(`forward, backward-data, backward-weight: ${g.name}`, () => {
        const { oh, ow } = refConvOut(g);
        const X = randomFloats(g.n * g.c * g.h * g.w, 11), W = randomFloats(g.o * g.c * g.kh * g.kw, 12);
        const DY = randomFloats(g.n * g.o * oh * ow, 13);
        const x = rt.upload(X), w = rt.upload(W), dy = rt.upload(DY);
        const y = rt.allocF32(DY.length), dx = rt.allocF32(X.length), dw = rt.allocF32(W.length);
        rt.conv2dForward({ ...geo(g), x, weight: w, y });
        expect(relativeL2(rt.read(y, DY.length), refConv2dForward(g, X, W))).toBeLessThan(1e-5);
        rt.conv2dBackwardData({ ...geo(g), dy, weight: w, dx });
        expect(relativeL2(rt.read(dx, X.length), refConv2dBackwardData(g, DY, W))).toBeLessThan(1e-5);
        rt.conv2dBackwardWeight({ ...geo(g), x, dy, dw });
        const dwRef = refConv2dBackwardWeight(g, X, DY);
        expect(relativeL2(rt.read(dw, W.length), dwRef)).toBeLessThan(1e-5);
        rt.conv2dBackwardWeight({ ...geo(g), x, dy, dw, accumulate: true });
        expect(relativeL2(rt.read(dw, W.length), dwRef.map((v) => 2 * v))).toBeLessThan(1e-5);
        for (const off of [x, w, dy, y, dx, dw]) rt.free(off);
      });
    }

    // PyTorch conformance vectors: the repository's, and the shared set's where present (the bias is a graph
    // add: added here; its gradient is the backend's, checked by the conformance suite)
    const files = ['conv3x3_s1.json', 'conv3x3_s2.json', 'conv1x1_s2.json', 'conv7x7_s2_bias.json', 'conv3x3_s1_p0.json'].flatMap((f) => vectorFile(`ops/${f}`));
    for (const file of files) {
      it(`conformance vector ${path.relative(REPO_ROOT, file)}`, () => {
        const v = JSON.parse(readFileSync(file, 'utf8'));
        const t = (name: string, src = v.inputs) => src[name] && { shape: src[name].shape as number[], data: new Float32Array(Uint8Array.from(Buffer.from(src[name].data, 'base64')).buffer) };
        const X = t('x')!, W = t('weight')!, B = t('bias'), Y = t('y', v.outputs)!;
        const [n, c, h, w] = X.shape, [o, , kh, kw] = W.shape;
        const g = { n, c, h, w, o, kh, kw, strideH: v.attrs.stride[0], strideW: v.attrs.stride[1], padH: v.attrs.padding[0], padW: v.attrs.padding[1] };
        const x = rt.upload(X.data), wt = rt.upload(W.data), y = rt.allocF32(Y.data.length);
        rt.conv2dForward({ ...g, x, weight: wt, y });
        const plane = Y.data.length / (n * o);
        const got = rt.read(y, Y.data.length).map((val, k) => val + (B ? B.data[Math.floor(k / plane) % o]! : 0));
        expect(relativeL2(got, Y.data)).toBeLessThanOrEqual(v.tolerance);
        if (v.seeds?.y && v.grads) {
          const dy = rt.upload(t('y', v.seeds)!.data);
          const dx = rt.allocF32(X.data.length), dw = rt.allocF32(W.data.length);
          rt.conv2dBackwardData({ ...g, dy, weight: wt, dx });
          rt.conv2dBackwardWeight({ ...g, x, dy, dw });
          expect(relativeL2(rt.read(dx, X.data.length), t('x', v.grads)!.data)).toBeLessThanOrEqual(v.tolerance);
          expect(relativeL2(rt.read(dw, W.data.length), t('weight', v.grads)!.data)).toBeLessThanOrEqual(v.tolerance);
        }
      });
    }
  });
}
