/**
 * Accuracy of every pointwise op's WAT code (tools/wat/pointwise_ops.ts and math.mjs's exp, log, erf) in both
 * builds, element by element against the float64 reference over a wide range, and the special values
 * (infinities, NaN, overflow and underflow) where the reference's semantics are IEEE's.
 */
import v8 from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Graph, ReferenceBackend, UNARY_OP_NAMES, UNARY_TABLE, ops, unaryChoices, unaryDefaults, type Node } from '@dogo/core';
import { WasmRuntime } from '../runtime/wasm_runtime.js';
import { WasmBackend } from './wasm_backend.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

/** A dense grid over the op's domain widened tenfold (positive domains stay positive). */
function grid(lo: number, hi: number): Float32Array {
  const [a, b] = lo > 0 ? [1e-3, hi * 10] : [lo * 10, hi * 10];
  return Float32Array.from({ length: 2053 }, (_, k) => a + ((b - a) * k) / 2052);
}

async function runBoth(rt: WasmRuntime, build: (x: Node) => Record<string, Node>, xs: Float32Array) {
  const g = new Graph();
  const outputs = build(g.input('x', [xs.length]));
  const feeds = { x: xs };
  const want = await (await new ReferenceBackend().compile({ outputs })).run(feeds);
  const exe = await new WasmBackend(rt).compile({ outputs });
  const got = await exe.run(feeds);
  exe.destroy();
  return { got, want };
}

for (const variant of ['simd', 'relaxed'] as const) {
  describe(`pointwise code (${variant})`, () => {
    let rt: WasmRuntime;
    beforeAll(async () => { rt = await WasmRuntime.create({ variant, threads: 1, warmUp: false }); });
    afterAll(() => rt.dispose());

    for (const op of UNARY_OP_NAMES) {
      for (const choice of unaryChoices(op)) {
        it(`${op}${choice === undefined ? '' : ` ${choice}`}: every element within 1e-5 relative + 1e-6 of float64`, async () => {
          const attrs = { ...unaryDefaults(op) };
          for (const [k, v] of Object.entries(attrs)) if (typeof v === 'string' && choice !== undefined) attrs[k] = choice;
          const xs = grid(UNARY_TABLE[op].domain.lo, UNARY_TABLE[op].domain.hi);
          const { got, want } = await runBoth(rt, (x) => ({ y: ops.node(op, [x], attrs) }), xs);
          const g = got['y']!.data, w = want['y']!.data;
          let worst = 0, at = 0;
          for (let k = 0; k < w.length; k++) {
            const excess = Math.abs(g[k]! - w[k]!) / (1e-5 * Math.abs(w[k]!) + 1e-6);
            if (!(excess <= worst)) { worst = excess; at = k; }
          }
          expect(worst, `${op}(${xs[at]}) = ${g[at]}, float64 ${w[at]}`).toBeLessThanOrEqual(1);
        });
      }
    }

    it('special values: exp and log limits, erf, tanh, sigmoid saturation, NaN in and out', async () => {
      const X = Float32Array.from([0, -0, 1, -1, 88, -87, -100, 100, Infinity, -Infinity, NaN, 1e-30]);
      const { got } = await runBoth(rt, (x) => ({
        exp: ops.exp(x), log: ops.log(x), erf: ops.erf(x), tanh: ops.tanh(x), sigmoid: ops.sigmoid(x),
      }), X);
      const e = got['exp']!.data, l = got['log']!.data, f = got['erf']!.data, t = got['tanh']!.data, s = got['sigmoid']!.data;
      expect(e[0]).toBe(1); expect(e[6]).toBe(0); expect(e[7]).toBe(Infinity); expect(e[8]).toBe(Infinity);
      expect(e[9]).toBe(0); expect(e[10]).toBeNaN();
      expect(Math.abs(e[4]! / Math.fround(Math.exp(88)) - 1)).toBeLessThan(1e-6);
      expect(l[0]).toBe(-Infinity); expect(l[2]).toBe(0); expect(l[3]).toBeNaN(); expect(l[8]).toBe(Infinity);
      expect(l[10]).toBeNaN(); expect(Math.abs(l[11]! / Math.log(1e-30) - 1)).toBeLessThan(1e-6);
      expect([f[0], f[6], f[7], f[8], f[9]]).toEqual([0, -1, 1, 1, -1]); expect(f[10]).toBeNaN();
      expect([t[6], t[7], t[8], t[9]]).toEqual([-1, 1, 1, -1]); expect(t[10]).toBeNaN();
      expect(s[6]).toBeLessThan(1e-37); // 3.8e-44 in float32; exp underflows to 0 below -87.3
      expect([s[7], s[8], s[9]]).toEqual([1, 1, 0]); expect(s[10]).toBeNaN();
    });
  });
}
