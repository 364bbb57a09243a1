import { describe, expect, test } from 'vitest';
import { BINARY_WGSL, UNARY_WGSL, pointwiseKernel, type PointwiseOp } from '@dogo/shaders-tensor';
import { getTestGpu } from '../test_device.js';
import { randomArray, relL2, runKernel } from '../testing/util.js';

const gpu = await getTestGpu();

// Float64 oracles with the core registry's semantics (packages/core/src/ops/pointwise).
const UNARY: Record<keyof typeof UNARY_WGSL, (a: number) => number> = {
  copy: (a) => a, neg: (a) => -a, exp: Math.exp, log: Math.log, sqrt: Math.sqrt, rsqrt: (a) => 1 / Math.sqrt(a),
  relu: (a) => Math.max(a, 0), abs: Math.abs, square: (a) => a * a, reciprocal: (a) => 1 / a, tanh: Math.tanh,
  sigmoid: (a) => 1 / (1 + Math.exp(-a)), step: (a) => (a > 0 ? 1 : 0), sign: Math.sign,
};
const BINARY: Record<keyof typeof BINARY_WGSL, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b,
  maximum: (a, b) => (a >= b ? a : b), minimum: (a, b) => (a <= b ? a : b), pow: Math.pow,
  equal: (a, b) => (a === b ? 1 : 0), greater: (a, b) => (a > b ? 1 : 0), greater_equal: (a, b) => (a >= b ? 1 : 0), less_equal: (a, b) => (a <= b ? 1 : 0),
};
const POSITIVE_ONLY = new Set(['log', 'sqrt', 'rsqrt', 'reciprocal']);

describe.skipIf(!gpu)('pointwise kernels on WebGPU', () => {
  test('every unary op on 1000 elements', async () => {
    for (const op of Object.keys(UNARY) as (keyof typeof UNARY)[]) {
      const a = POSITIVE_ONLY.has(op) ? randomArray(1000, 21, 0.1, 3) : randomArray(1000, 21, -4, 4);
      const { out } = await runKernel(gpu!.runner, pointwiseKernel(op, { out: [1000] }), { a }, { out: 1000 });
      const want = Array.from(a, UNARY[op]);
      expect(relL2(out!, want), op).toBeLessThan(1e-5);
    }
  });

  test('every binary op with broadcasting [4,1,5] x [3,1] -> [4,3,5]', async () => {
    const out = [4, 3, 5];
    for (const op of Object.keys(BINARY) as (keyof typeof BINARY)[]) {
      // Small integers make the comparisons and pow (with negative bases) meaningful.
      const a = op === 'pow' ? randomArray(20, 22, -2, 2).map(Math.round) : randomArray(20, 22, -3, 3).map(Math.round);
      const b = op === 'pow' ? randomArray(3, 23, 0, 3).map(Math.round) : op === 'div' ? randomArray(3, 23, 0.5, 2) : randomArray(3, 23, -3, 3).map(Math.round);
      const kernel = pointwiseKernel(op as PointwiseOp, { out, a: [4, 1, 5], b: [3, 1] });
      const { out: got } = await runKernel(gpu!.runner, kernel, { a, b }, { out: 60 });
      const want: number[] = [];
      for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 5; k++) want.push(BINARY[op](a[i * 5 + k]!, b[j]!));
      expect(relL2(got!, want), op).toBeLessThan(1e-5);
    }
  });

  test('same-shape binary add takes the contiguous path; transpose by copy with strides', async () => {
    const a = randomArray(70000, 24);
    const b = randomArray(70000, 25);
    const k1 = pointwiseKernel('add', { out: [70000] });
    expect(k1.label).toBe('pointwise_add');
    const { out } = await runKernel(gpu!.runner, k1, { a, b }, { out: 70000 });
    expect(Array.from(out!)).toEqual(Array.from(a, (v, i) => Math.fround(v + b[i]!)));

    // [6,7] -> transposed [7,6]: out[i,j] = a[j,i], strides of a per output axis = [1, 7].
    const m = randomArray(42, 26);
    const { out: t } = await runKernel(gpu!.runner, pointwiseKernel('copy', { out: [7, 6], aStrides: [1, 7] }), { a: m }, { out: 42 });
    const want: number[] = [];
    for (let i = 0; i < 7; i++) for (let j = 0; j < 6; j++) want.push(m[j * 7 + i]!);
    expect(Array.from(t!)).toEqual(want);
  });
});
