/**
 * The WGSL of every pointwise op: one code table typed over the core's pointwise tables
 * (UnaryCodeTable<string> & BinaryCodeTable<string>), so an op without a row, or a gelu without one of
 * its `approximate` values, fails to compile. A row maps its operands (and numeric attributes, which are
 * uniform scalars at run time, so one pipeline serves every leaky_relu slope) to the result's WGSL
 * expression. Rows receive WGSL identifiers (the parameters of the function `pointwiseFunction` wraps each
 * row in), so they may repeat operands freely. The helpers are math WGSL lacks (erf; pow with
 * JavaScript's sign rule). Adding a pointwise op to this backend: one row here. Internal to the backend.
 */
import { isBinaryOp, pointwiseKey, unaryCode, type BinaryCodeTable, type PointwiseCall, type UnaryCodeTable } from '@dogo/core';
import type { WgslFunction } from '@dogo/shaders-tensor';

/**
 * erf in f32: for |x| < 0.8 the Taylor series x·Σ cₙx²ⁿ to n = 8 (relative truncation error below 1e-8),
 * beyond it 1 - erfc(|x|) with erfc from Numerical Recipes' erfcc (relative error below 1.2e-7 in exact
 * arithmetic), carrying the sign. Measured on SwiftShader against the core's float64 erf at every multiple
 * of 1e-5 in [-6, 6] (pointwise_wgsl.test.ts holds looser bounds, for other GPUs' exp): worst absolute
 * error 1.7e-7, worst relative error 2.2e-7 where |erf| > 1e-3 (f32 emulation on the CPU: 1.2e-7, 1.8e-7).
 * gelu 'none' through it: worst absolute error 4.5e-7 (near x = 5, the rounding of x itself), relative
 * 1.2e-5 at x = -3, where 1 + erf cancels (PyTorch computes the same formula); gelu 'tanh': 6.0e-7
 * absolute, relative 3.8e-5 at x = -3.
 */
const ERF: WgslFunction = {
  name: 'erf_f32',
  arity: 1,
  body: `let x = abs(a0);
if (x < 0.8) {
  let t = a0 * a0;
  return a0 * (1.128379167 + t * (-0.3761263890 + t * (0.1128379167 + t * (-0.02686617065 + t * (0.005223977625
    + t * (-0.0008548327023 + t * (0.0001205533298 + t * (-0.00001492565036 + t * 0.000001646211437))))))));
}
let t = 1.0 / (1.0 + 0.5 * x);
let erfc = t * exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
  + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
return sign(a0) * (1.0 - erfc);`,
};

/** Math.pow for the cases training meets: a negative base with an integer exponent keeps its sign rule. */
const POW_JS: WgslFunction = {
  name: 'pow_js',
  arity: 2,
  body: `if (a0 >= 0.0 || a1 != round(a1)) { return pow(a0, a1); }
let m = pow(-a0, a1);
return select(m, -m, (i32(a1) & 1) == 1);`,
};

const HELPERS: readonly WgslFunction[] = [ERF, POW_JS];

// tanh(x) is ±1 to f32 precision beyond |x| = 10; clamping avoids inf/inf in some implementations.
const tanh = (x: string) => `tanh(clamp(${x}, -15.0, 15.0))`;
const compare = (test: string) => `select(0.0, 1.0, ${test})`;

/** Every pointwise op's WGSL expression. */
export const POINTWISE_WGSL: UnaryCodeTable<string> & BinaryCodeTable<string> = {
  neg: (x) => `-${x}`,
  exp: (x) => `exp(${x})`,
  log: (x) => `log(${x})`,
  sqrt: (x) => `sqrt(${x})`,
  rsqrt: (x) => `inverseSqrt(${x})`,
  relu: (x) => `max(${x}, 0.0)`,
  abs: (x) => `abs(${x})`,
  square: (x) => `${x} * ${x}`,
  reciprocal: (x) => `1.0 / ${x}`,
  tanh,
  sigmoid: (x) => `1.0 / (1.0 + exp(-${x}))`,
  step: (x) => compare(`${x} > 0.0`),
  sign: (x) => `sign(${x})`,
  erf: (x) => `${ERF.name}(${x})`,
  gelu: {
    none: (x) => `0.5 * ${x} * (1.0 + ${ERF.name}(${x} * 0.7071067812))`,
    tanh: (x) => `0.5 * ${x} * (1.0 + ${tanh(`0.7978845608 * (${x} + 0.044715 * ${x} * ${x} * ${x})`)})`,
  },
  leaky_relu: (x, { negative_slope }) => `select(${negative_slope} * ${x}, ${x}, ${x} > 0.0)`,
  elu: (x, { alpha }) => `select(${alpha} * (exp(${x}) - 1.0), ${x}, ${x} > 0.0)`,

  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `${a} / ${b}`,
  maximum: (a, b) => `select(${b}, ${a}, ${a} >= ${b})`,
  minimum: (a, b) => `select(${b}, ${a}, ${a} <= ${b})`,
  pow: (a, b) => `${POW_JS.name}(${a}, ${b})`,
  equal: (a, b) => compare(`${a} == ${b}`),
  greater: (a, b) => compare(`${a} > ${b}`),
  greater_equal: (a, b) => compare(`${a} >= ${b}`),
  less_equal: (a, b) => compare(`${a} <= ${b}`),
};

/** The WGSL function of one pointwise call, `op_<op>[_<choice>]`, and the helpers it calls (to emit first). */
export function pointwiseFunction(call: PointwiseCall): { readonly fn: WgslFunction; readonly helpers: readonly WgslFunction[] } {
  const tensorArity = isBinaryOp(call.op) ? 2 : 1;
  const arity = tensorArity + call.params.length;
  const a = Array.from({ length: arity }, (_, k) => `a${k}`);
  const expr = isBinaryOp(call.op) ? POINTWISE_WGSL[call.op](a[0]!, a[1]!) : unaryCode(POINTWISE_WGSL, call.op, call.choice)(a[0]!, a.slice(1));
  const fn: WgslFunction = { name: `op_${pointwiseKey(call).replace(':', '_')}`, arity, body: `return ${expr};` };
  return { fn, helpers: HELPERS.filter((h) => new RegExp(`\\b${h.name}\\(`).test(expr)) };
}
