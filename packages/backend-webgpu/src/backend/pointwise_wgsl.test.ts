/**
 * The WGSL code table: each call becomes one function of the right arity with the helpers it uses, and the
 * functions WGSL lacks (erf, gelu through it) meet their documented accuracy against the core's float64
 * reference on a dense grid (every multiple of 1e-5 in [-6, 6]).
 */
import { describe, expect, test } from 'vitest';
import { BINARY_OP_NAMES, UNARY_OP_NAMES, UNARY_TABLE, numericAttrNames, unaryChoices, type PointwiseCall } from '@dogo/core';
import { fusedPointwiseKernel } from '@dogo/shaders-tensor';
import { getTestGpu } from '../test_device.js';
import { runKernel } from '../testing/util.js';
import { pointwiseFunction } from './pointwise_wgsl.js';

describe('pointwiseFunction', () => {
  test('every op and choice: one function taking its operands then its numeric attributes', () => {
    for (const op of UNARY_OP_NAMES) {
      for (const choice of unaryChoices(op)) {
        const params = numericAttrNames(op).map(() => 0.5);
        const { fn } = pointwiseFunction({ op, ...(choice === undefined ? {} : { choice }), params });
        expect(fn.arity, op).toBe(1 + params.length);
        expect(fn.name).toBe(choice === undefined ? `op_${op}` : `op_${op}_${choice}`);
        for (let k = 0; k < fn.arity; k++) expect(fn.body, `${fn.name} uses a${k}`).toMatch(new RegExp(`\\ba${k}\\b`));
      }
    }
    for (const op of BINARY_OP_NAMES) expect(pointwiseFunction({ op, params: [] }).fn.arity).toBe(2);
  });

  test('helpers come with the rows that call them, and only then', () => {
    const names = (call: PointwiseCall) => pointwiseFunction(call).helpers.map((h) => h.name);
    expect(names({ op: 'erf', params: [] })).toEqual(['erf_f32']);
    expect(names({ op: 'gelu', choice: 'none', params: [] })).toEqual(['erf_f32']);
    expect(names({ op: 'gelu', choice: 'tanh', params: [] })).toEqual([]);
    expect(names({ op: 'pow', params: [] })).toEqual(['pow_js']);
    expect(names({ op: 'exp', params: [] })).toEqual([]);
    expect(pointwiseFunction({ op: 'tanh', params: [] }).fn.body).toMatch(/clamp/);
  });
});

const gpu = await getTestGpu();

/** `call` applied to every element of `x` on the GPU, through one fused kernel. */
async function evaluate(call: PointwiseCall, x: Float32Array): Promise<Float32Array> {
  const { fn, helpers } = pointwiseFunction(call);
  const params = call.params.map((_, k) => ({ scalar: k }));
  const kernel = fusedPointwiseKernel(
    { functions: [...helpers, fn], terms: [{ input: 0 }, ...params, { call: fn.name, args: [0, ...params.map((_, k) => k + 1)] }] },
    { out: [x.length], inputs: [[x.length]], scalars: call.params },
  );
  return (await runKernel(gpu!.runner, kernel, { in0: x }, { out: x.length }, NaN))['out']!;
}

/** Worst absolute error, and worst relative error where |want| > 1e-3. */
function worstErrors(got: Float32Array, x: Float32Array, want: (x: number) => number): { abs: number; rel: number } {
  let abs = 0;
  let rel = 0;
  x.forEach((v, i) => {
    const w = want(v);
    const e = Math.abs(got[i]! - w);
    abs = Math.max(abs, e);
    if (Math.abs(w) > 1e-3) rel = Math.max(rel, e / Math.abs(w));
  });
  return { abs, rel };
}

describe.skipIf(!gpu)('functions WGSL lacks, against float64 on a dense grid', () => {
  const grid = Float32Array.from({ length: 1_200_001 }, (_, i) => (i - 600_000) * 1e-5);

  test('erf: worst absolute error under 5e-7, relative under 1e-6 (measured: see pointwise_wgsl.ts)', async () => {
    const got = await evaluate({ op: 'erf', params: [] }, grid);
    const e = worstErrors(got, grid, (v) => UNARY_TABLE.erf.fn(v, {}));
    expect(e.abs).toBeLessThan(5e-7);
    expect(e.rel).toBeLessThan(1e-6);
  });

  test('gelu: the erf form within 1e-6 absolute, the tanh form within 2e-6 of its own formula', async () => {
    for (const approximate of ['none', 'tanh'] as const) {
      const got = await evaluate({ op: 'gelu', choice: approximate, params: [] }, grid);
      const e = worstErrors(got, grid, (v) => UNARY_TABLE.gelu.fn(v, { approximate }));
      expect(e.abs, approximate).toBeLessThan(approximate === 'none' ? 1e-6 : 2e-6);
    }
  });
});
