/**
 * The wasm backend's code for every pointwise op of the core's tables: one WAT expression over f32x4
 * operands each (typed over UnaryOpName / BinaryOpName, so a missing op fails to type-check). The fused
 * kernel (fused.mjs) turns each row into opcodes of its program interpreter; a numeric attribute
 * (leaky_relu's negative_slope) is a scalar operand of the instruction, a string attribute (gelu's
 * approximate) gives one opcode per allowed value. Semantics are the core reference's, exactly where
 * IEEE allows: relu and step map NaN to 0, maximum is a >= b ? a : b, comparisons give 1 or 0.
 * Internal to the build.
 */
import type { BinaryCodeTable, UnaryCodeTable } from '@dogo/core';

const zero = '(v128.const f32x4 0 0 0 0)';
const one = '(v128.const f32x4 1 1 1 1)';
const splat = (v: number) => `(v128.const f32x4 ${v} ${v} ${v} ${v})`;
/** 1 where the mask is set, else 0. */
const and1 = (mask: string) => `(v128.and ${one} ${mask})`;
/** tanh(u) = 1 - 2 / (e^(2u) + 1): exact at both ends (e^(2u) overflows to +inf: 1; underflows to 0: -1). */
const tanh = (u: string) => `(f32x4.sub ${one} (f32x4.div ${splat(2)} (f32x4.add (call $exp4 (f32x4.add ${u} ${u})) ${one})))`;
/** x where x > 0, else `below`. */
const positiveOr = (x: string, below: string) => `(v128.bitselect ${x} ${below} (f32x4.gt ${x} ${zero}))`;

export const UNARY_WAT: UnaryCodeTable<string> = {
  neg: (x) => `(f32x4.neg ${x})`,
  exp: (x) => `(call $exp4 ${x})`,
  log: (x) => `(call $log4 ${x})`,
  sqrt: (x) => `(f32x4.sqrt ${x})`,
  rsqrt: (x) => `(f32x4.div ${one} (f32x4.sqrt ${x}))`,
  relu: (x) => `(v128.and ${x} (f32x4.gt ${x} ${zero}))`,
  abs: (x) => `(f32x4.abs ${x})`,
  square: (x) => `(f32x4.mul ${x} ${x})`,
  reciprocal: (x) => `(f32x4.div ${one} ${x})`,
  tanh: (x) => tanh(x),
  sigmoid: (x) => `(f32x4.div ${one} (f32x4.add ${one} (call $exp4 (f32x4.neg ${x}))))`,
  step: (x) => and1(`(f32x4.gt ${x} ${zero})`),
  sign: (x) => `(v128.or ${and1(`(f32x4.gt ${x} ${zero})`)} (v128.and ${splat(-1)} (f32x4.lt ${x} ${zero})))`,
  erf: (x) => `(call $erf4 ${x})`,
  gelu: {
    none: (x) => `(f32x4.mul (f32x4.mul ${x} ${splat(0.5)}) (f32x4.add ${one} (call $erf4 (f32x4.mul ${x} ${splat(Math.SQRT1_2)}))))`,
    tanh: (x) => {
      const u = `(f32x4.mul (f32x4.add ${x} (f32x4.mul (f32x4.mul ${splat(0.044715)} ${x}) (f32x4.mul ${x} ${x}))) ${splat(Math.sqrt(2 / Math.PI))})`;
      return `(f32x4.mul (f32x4.mul ${x} ${splat(0.5)}) (f32x4.add ${one} ${tanh(u)}))`;
    },
  },
  leaky_relu: (x, { negative_slope }) => positiveOr(x, `(f32x4.mul ${x} ${negative_slope})`),
  elu: (x, { alpha }) => positiveOr(x, `(f32x4.mul ${alpha} (f32x4.sub (call $exp4 ${x}) ${one}))`),
};

export const BINARY_WAT: BinaryCodeTable<string> = {
  add: (a, b) => `(f32x4.add ${a} ${b})`,
  sub: (a, b) => `(f32x4.sub ${a} ${b})`,
  mul: (a, b) => `(f32x4.mul ${a} ${b})`,
  div: (a, b) => `(f32x4.div ${a} ${b})`,
  maximum: (a, b) => `(v128.bitselect ${a} ${b} (f32x4.ge ${a} ${b}))`,
  minimum: (a, b) => `(v128.bitselect ${a} ${b} (f32x4.le ${a} ${b}))`,
  pow: (a, b) => `(call $pow4 ${a} ${b})`,
  equal: (a, b) => and1(`(f32x4.eq ${a} ${b})`),
  greater: (a, b) => and1(`(f32x4.gt ${a} ${b})`),
  greater_equal: (a, b) => and1(`(f32x4.ge ${a} ${b})`),
  less_equal: (a, b) => and1(`(f32x4.le ${a} ${b})`),
};
