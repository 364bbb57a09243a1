import v8 from 'node:v8';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmRuntime } from './wasm_runtime.js';
import { randomFloats, refAvgPool, refMaxPool, relativeL2, type RefPool } from './reference_kernels.js';
import type { BinaryOp, UnaryOp } from './elementwise.js';
import { REPO_ROOT, vectorFile } from '../../../../tools/vectors/vector_folders.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const UNARY: Record<UnaryOp, (x: number) => number> = {
  relu: (x) => Math.max(0, x), neg: (x) => -x, abs: Math.abs, square: (x) => x * x, sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x), reciprocal: (x) => 1 / x, exp: Math.exp, log: Math.log,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)), tanh: Math.tanh,
};
const POSITIVE = new Set(['sqrt', 'rsqrt', 'log', 'reciprocal']);
const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b,
  max: Math.max, min: Math.min, relu_backward: (x, dy) => (x > 0 ? dy : 0),
};

for (const variant of ['simd', 'relaxed'] as const) {
  describe(`elementwise kernels (${variant})`, () => {
    let rt: WasmRuntime;
    beforeAll(async () => { rt = await WasmRuntime.create({ variant, threads: 1 }); });
    afterAll(() => rt.dispose());

    for (const [op, f] of Object.entries(UNARY) as [UnaryOp, (x: number) => number][]) {
      it(`unary ${op}`, () => {
        const size = 1031;
        const X = randomFloats(size, 21).map((v) => (POSITIVE.has(op) ? Math.abs(v) * 20 + 1e-3 : v * 30));
        const x = rt.upload(X), y = rt.allocF32(size);
        rt.unary(op, x, y, size);
        const got = rt.read(y, size);
        const want = Array.from(X, f);
        expect(relativeL2(got, want)).toBeLessThan(2e-6);
        // elementwise relative error too (catches a bad tail)
        for (let k = 0; k < size; k++) expect(Math.abs(got[k] - want[k])).toBeLessThanOrEqual(1e-5 * Math.abs(want[k]) + 1e-6);
      });
    }

    it('exp and log limits', () => {
      const X = [0, -0, 1, -1, 88, -87, -100, 100, Infinity, -Infinity, NaN, 1e-30];
      const x = rt.upload(X), y = rt.allocF32(X.length);
      rt.unary('exp', x, y, X.length);
      const e = rt.read(y, X.length);
      expect(e[0]).toBe(1); expect(e[6]).toBe(0); expect(e[7]).toBe(Infinity); expect(e[8]).toBe(Infinity);
      expect(e[9]).toBe(0); expect(e[10]).toBeNaN();
      expect(Math.abs(e[4] / Math.fround(Math.exp(88)) - 1)).toBeLessThan(1e-6);
      rt.unary('log', x, y, X.length);
      const l = rt.read(y, X.length);
      expect(l[0]).toBe(-Infinity); expect(l[2]).toBe(0); expect(l[3]).toBeNaN(); expect(l[8]).toBe(Infinity);
      expect(l[10]).toBeNaN(); expect(Math.abs(l[11] / Math.log(1e-30) - 1)).toBeLessThan(1e-6);
    });

    for (const [op, f] of Object.entries(BINARY) as [BinaryOp, (a: number, b: number) => number][]) {
      it(`binary ${op}: same shape, per channel, last-axis bias, scalar`, () => {
        const [N, C, HW] = [3, 5, 19];
        const A = randomFloats(N * C * HW, 31), B = randomFloats(N * C * HW, 32).map((v) => (op === 'div' ? v + 2 : v));
        const a = rt.upload(A), b = rt.upload(B), y = rt.allocF32(A.length);
        const check = (want: (k: number) => number) => {
          const got = rt.read(y, A.length);
          expect(relativeL2(got, Array.from({ length: A.length }, (_, k) => want(k)))).toBeLessThan(1e-6);
        };
        rt.binarySame(op, a, b, y, A.length);
        check((k) => f(A[k], B[k]));
        rt.binaryPerChannel(op, a, b, y, N, C, HW);
        check((k) => f(A[k], B[Math.floor(k / HW) % C]));
        // [M, N] op [N]
        rt.binary(op, a, b, y, { outer: 1, mid: N * C, inner: HW, aStrides: [0, HW, 1], bStrides: [0, 0, 1] });
        check((k) => f(A[k], B[k % HW]));
        // scalar op tensor
        rt.binary(op, b, a, y, { outer: 1, mid: 1, inner: A.length, aStrides: [0, 0, 0], bStrides: [0, 0, 1] });
        check((k) => f(B[0], A[k]));
      });
    }

    it('reduce sum / max / mean over any axis', () => {
      const [O, Ax, I] = [3, 37, 21];
      const X = randomFloats(O * Ax * I, 41);
      const x = rt.upload(X), y = rt.allocF32(O * Ax * I);
      for (const op of ['sum', 'max', 'mean'] as const) {
        for (const [outer, axis, inner] of [[O, Ax, I], [O * Ax, I, 1], [1, O * Ax * I, 1], [O, Ax * I, 1], [1, O, Ax * I]]) {
          rt.reduce(op, x, y, outer, axis, inner);
          const want: number[] = [];
          for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) {
            let acc = op === 'max' ? -Infinity : 0;
            for (let a = 0; a < axis; a++) {
              const v = X[(o * axis + a) * inner + j];
              acc = op === 'max' ? Math.max(acc, v) : acc + v;
            }
            want.push(op === 'mean' ? acc / axis : acc);
          }
          expect(relativeL2(rt.read(y, want.length), want), `${op} ${outer}x${axis}x${inner}`).toBeLessThan(1e-6);
        }
      }
    });

    it('softmax, log-softmax and their backward passes', () => {
      for (const [rows, cols] of [[7, 10], [3, 1], [5, 33], [2, 1000]]) {
        const X = randomFloats(rows * cols, 51).map((v) => v * 10), DY = randomFloats(rows * cols, 52);
        const x = rt.upload(X), dy = rt.upload(DY), y = rt.allocF32(X.length), dx = rt.allocF32(X.length);
        const sm: number[] = [], lsm: number[] = [], dsm: number[] = [], dlsm: number[] = [];
        for (let r = 0; r < rows; r++) {
          const row = Array.from(X.subarray(r * cols, (r + 1) * cols));
          const m = Math.max(...row);
          const s = row.reduce((acc, v) => acc + Math.exp(v - m), 0);
          const p = row.map((v) => Math.exp(v - m) / s);
          sm.push(...p);
          lsm.push(...row.map((v) => v - m - Math.log(s)));
          const d = Array.from(DY.subarray(r * cols, (r + 1) * cols));
          const dot = d.reduce((acc, v, k) => acc + v * p[k], 0);
          const sumd = d.reduce((acc, v) => acc + v, 0);
          dsm.push(...p.map((pk, k) => pk * (d[k] - dot)));
          dlsm.push(...p.map((pk, k) => d[k] - pk * sumd));
        }
        rt.softmax(x, y, rows, cols);
        expect(relativeL2(rt.read(y, X.length), sm)).toBeLessThan(1e-6);
        rt.softmaxBackward(y, dy, dx, rows, cols);
        expect(relativeL2(rt.read(dx, X.length), dsm)).toBeLessThan(1e-5);
        rt.logSoftmax(x, y, rows, cols);
        expect(relativeL2(rt.read(y, X.length), lsm)).toBeLessThan(1e-6);
        rt.logSoftmaxBackward(y, dy, dx, rows, cols);
        expect(relativeL2(rt.read(dx, X.length), dlsm)).toBeLessThan(1e-5);
      }
    });

    const POOLS: RefPool[] = [
      { planes: 6, h: 9, w: 9, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1 },
      { planes: 6, h: 8, w: 8, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0 },
      { planes: 4, h: 7, w: 10, kh: 3, kw: 2, sh: 1, sw: 3, ph: 1, pw: 1 },
      { planes: 2, h: 5, w: 5, kh: 5, kw: 5, sh: 1, sw: 1, ph: 0, pw: 0 },
    ];
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

    it('batch-norm statistics, backward sums and per-channel affine maps', () => {
      const [N, C, HW] = [4, 6, 37];
      const X = randomFloats(N * C * HW, 71).map((v, k) => v * 3 + (k % 5)), DY = randomFloats(N * C * HW, 72);
      const S = randomFloats(C, 73), T = randomFloats(C, 74), U = randomFloats(C, 75);
      const x = rt.upload(X), dy = rt.upload(DY), sc = rt.upload(S), sh = rt.upload(T), sb = rt.upload(U);
      const mean = rt.allocF32(C), vr = rt.allocF32(C), s1 = rt.allocF32(C), s2 = rt.allocF32(C), y = rt.allocF32(X.length);
      rt.batchNormStats(x, mean, vr, N, C, HW);
      const m = new Float64Array(C), v = new Float64Array(C), sd = new Float64Array(C), sdx = new Float64Array(C);
      const ch = (k: number) => Math.floor(k / HW) % C;
      X.forEach((val, k) => { m[ch(k)] += val / (N * HW); });
      X.forEach((val, k) => { v[ch(k)] += (val - m[ch(k)]) ** 2 / (N * HW); });
      expect(relativeL2(rt.read(mean, C), m)).toBeLessThan(1e-6);
      expect(relativeL2(rt.read(vr, C), v)).toBeLessThan(1e-6);
      rt.batchNormBackwardReduce(dy, x, mean, s1, s2, N, C, HW);
      const meanF = rt.read(mean, C);
      DY.forEach((d, k) => { sd[ch(k)] += d; sdx[ch(k)] += d * (X[k] - meanF[ch(k)]); });
      expect(relativeL2(rt.read(s1, C), sd)).toBeLessThan(1e-6);
      expect(relativeL2(rt.read(s2, C), sdx)).toBeLessThan(1e-6);
      rt.channelAffine(x, y, sc, sh, N, C, HW);
      expect(relativeL2(rt.read(y, X.length), Array.from(X, (val, k) => val * S[ch(k)] + T[ch(k)]))).toBeLessThan(1e-6);
      rt.channelAffine2(dy, x, y, sc, sb, sh, N, C, HW);
      expect(relativeL2(rt.read(y, X.length), Array.from(X, (val, k) => DY[k] * S[ch(k)] + val * U[ch(k)] + T[ch(k)]))).toBeLessThan(1e-6);
    });

    // PyTorch conformance vectors: the repository's, and the shared set's where present
    for (const file of ['maxpool3x3_s2.json', 'avgpool2x2.json', 'softmax.json', 'log_softmax.json', 'relu.json'].flatMap((f) => vectorFile(`ops/${f}`))) {
      it(`conformance vector ${path.relative(REPO_ROOT, file)}`, () => {
        const v = JSON.parse(readFileSync(file, 'utf8'));
        const t = (src: Record<string, { shape: number[]; data: string }>, name: string) =>
          ({ shape: src[name].shape, data: new Float32Array(Uint8Array.from(Buffer.from(src[name].data, 'base64')).buffer) });
        const X = t(v.inputs, 'x'), Y = t(v.outputs, 'y'), DY = v.seeds?.y ? t(v.seeds, 'y') : null, DX = v.grads?.x ? t(v.grads, 'x') : null;
        const x = rt.upload(X.data), y = rt.allocF32(Y.data.length), dx = rt.allocF32(X.data.length);
        const dy = DY ? rt.upload(DY.data) : 0;
        if (v.op === 'max_pool2d' || v.op === 'avg_pool2d') {
          const [n, c, h, w] = X.shape;
          const geo = { planes: n * c, h, w, kh: v.attrs.kernel[0], kw: v.attrs.kernel[1], strideH: v.attrs.stride[0], strideW: v.attrs.stride[1], padH: v.attrs.padding[0], padW: v.attrs.padding[1] };
          if (v.op === 'max_pool2d') { rt.maxPool2dForward({ ...geo, x, y }); if (DY) rt.maxPool2dBackward({ ...geo, x, dy, dx }); }
          else { rt.avgPool2dForward({ ...geo, x, y }); if (DY) rt.avgPool2dBackward({ ...geo, dy, dx }); }
        } else if (v.op === 'relu') {
          rt.unary('relu', x, y, X.data.length);
          if (DY) rt.reluBackward(x, dy, dx, X.data.length);
        } else {
          const cols = X.shape[X.shape.length - 1], rows = X.data.length / cols;
          if (v.op === 'softmax') { rt.softmax(x, y, rows, cols); if (DY) rt.softmaxBackward(y, dy, dx, rows, cols); }
          else { rt.logSoftmax(x, y, rows, cols); if (DY) rt.logSoftmaxBackward(y, dy, dx, rows, cols); }
        }
        expect(relativeL2(rt.read(y, Y.data.length), Y.data)).toBeLessThanOrEqual(v.tolerance);
        if (DX) expect(relativeL2(rt.read(dx, X.data.length), DX.data)).toBeLessThanOrEqual(v.tolerance);
      });
    }
  });
}
