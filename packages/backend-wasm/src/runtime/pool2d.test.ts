/** The pooling kernels against float64 loops, in both builds, and against PyTorch's vectors where present. */
import v8 from 'node:v8';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmRuntime } from './wasm_runtime.js';
import { randomFloats, refAvgPool, refMaxPool, relativeL2, type RefPool } from './reference_kernels.js';
import { REPO_ROOT, vectorFile } from '../../../../tools/vectors/vector_folders.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const POOLS: RefPool[] = [
  { planes: 6, h: 9, w: 9, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1 },
  { planes: 6, h: 8, w: 8, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0 },
  { planes: 4, h: 7, w: 10, kh: 3, kw: 2, sh: 1, sw: 3, ph: 1, pw: 1 },
  { planes: 2, h: 5, w: 5, kh: 5, kw: 5, sh: 1, sw: 1, ph: 0, pw: 0 },
];

for (const variant of ['simd', 'relaxed'] as const) {
  describe(`pool2d kernels (${variant})`, () => {
    let rt: WasmRuntime;
    beforeAll(async () => { rt = await WasmRuntime.create({ variant, threads: 1 }); });
    afterAll(() => rt.dispose());

    for (const g of POOLS) {
      it(`max and avg pool forward/backward ${g.kh}x${g.kw} s${g.sh},${g.sw} p${g.ph},${g.pw} on ${g.h}x${g.w}`, () => {
        const oh = Math.floor((g.h + 2 * g.ph - g.kh) / g.sh) + 1, ow = Math.floor((g.w + 2 * g.pw - g.kw) / g.sw) + 1;
        const X = randomFloats(g.planes * g.h * g.w, 61), DY = randomFloats(g.planes * oh * ow, 62);
        const x = rt.upload(X), dy = rt.upload(DY), y = rt.allocF32(DY.length), dx = rt.allocF32(X.length);
        const geo = { planes: g.planes, h: g.h, w: g.w, kh: g.kh, kw: g.kw, strideH: g.sh, strideW: g.sw, padH: g.ph, padW: g.pw };
        const mx = refMaxPool(g, X, DY);
        rt.maxPool2dForward({ ...geo, x, y });
        expect(Array.from(rt.read(y, DY.length))).toEqual(mx.y.map(Math.fround));
        rt.maxPool2dBackward({ ...geo, x, dy, dx });
        expect(relativeL2(rt.read(dx, X.length), mx.dx)).toBeLessThan(1e-7);
        for (const countIncludePad of [true, false]) {
          const av = refAvgPool(g, X, DY, countIncludePad);
          rt.avgPool2dForward({ ...geo, x, y, countIncludePad });
          expect(relativeL2(rt.read(y, DY.length), av.y)).toBeLessThan(1e-6);
          rt.avgPool2dBackward({ ...geo, dy, dx, countIncludePad });
          expect(relativeL2(rt.read(dx, X.length), av.dx)).toBeLessThan(1e-6);
        }
      });
    }

    // PyTorch conformance vectors: the repository's, and the shared set's where present
    for (const file of ['maxpool3x3_s2.json', 'avgpool2x2.json'].flatMap((f) => vectorFile(`ops/${f}`))) {
      it(`conformance vector ${path.relative(REPO_ROOT, file)}`, () => {
        const v = JSON.parse(readFileSync(file, 'utf8'));
        const t = (src: Record<string, { shape: number[]; data: string }>, name: string) =>
          ({ shape: src[name]!.shape, data: new Float32Array(Uint8Array.from(Buffer.from(src[name]!.data, 'base64')).buffer) });
        const X = t(v.inputs, 'x'), Y = t(v.outputs, 'y'), DY = v.seeds?.y ? t(v.seeds, 'y') : null, DX = v.grads?.x ? t(v.grads, 'x') : null;
        const x = rt.upload(X.data), y = rt.allocF32(Y.data.length), dx = rt.allocF32(X.data.length);
        const dy = DY ? rt.upload(DY.data) : 0;
        const [n, c, h, w] = X.shape as [number, number, number, number];
        const geo = { planes: n * c, h, w, kh: v.attrs.kernel[0], kw: v.attrs.kernel[1], strideH: v.attrs.stride[0], strideW: v.attrs.stride[1], padH: v.attrs.padding[0], padW: v.attrs.padding[1] };
        if (v.op === 'max_pool2d') { rt.maxPool2dForward({ ...geo, x, y }); if (DY) rt.maxPool2dBackward({ ...geo, x, dy, dx }); }
        else { rt.avgPool2dForward({ ...geo, x, y }); if (DY) rt.avgPool2dBackward({ ...geo, dy, dx }); }
        expect(relativeL2(rt.read(y, Y.data.length), Y.data)).toBeLessThanOrEqual(v.tolerance);
        if (DX) expect(relativeL2(rt.read(dx, X.data.length), DX.data)).toBeLessThanOrEqual(v.tolerance);
      });
    }
  });
}
