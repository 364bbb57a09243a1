/**
 * Unary pointwise ops as table rows: the reference function and the gradient, written as other ops.
 * Backends keep their own tables (WGSL, WAT expressions) keyed by the same names.
 */
import type { Node } from '../../graph/node.js';
import type { OpsBuilder } from '../../graph/builder.js';
import { defineOp, ShapeRuleError, type OpDef } from '../op_def.js';
import type { UnaryOpName } from '../op_names.js';

interface UnaryRow {
  readonly fn: (x: number) => number;
  /** dL/dx from x, y = f(x) and dL/dy; absent for ops whose gradient is zero everywhere. */
  readonly grad?: (b: OpsBuilder, x: Node, y: Node, dy: Node) => Node;
}

export const UNARY_TABLE: Record<UnaryOpName, UnaryRow> = {
  neg: { fn: (x) => -x, grad: (b, _x, _y, dy) => b.neg(dy) },
  exp: { fn: Math.exp, grad: (b, _x, y, dy) => b.mul(dy, y) },
  log: { fn: Math.log, grad: (b, x, _y, dy) => b.div(dy, x) },
  sqrt: { fn: Math.sqrt, grad: (b, _x, y, dy) => b.div(b.mul(dy, 0.5), y) },
  rsqrt: { fn: (x) => 1 / Math.sqrt(x), grad: (b, _x, y, dy) => b.mul(dy, b.mul(b.mul(y, b.mul(y, y)), -0.5)) },
  relu: { fn: (x) => (x > 0 ? x : 0), grad: (b, x, _y, dy) => b.mul(dy, b.step(x)) },
  abs: { fn: Math.abs, grad: (b, x, _y, dy) => b.mul(dy, b.sign(x)) },
  square: { fn: (x) => x * x, grad: (b, x, _y, dy) => b.mul(dy, b.mul(x, 2)) },
  reciprocal: { fn: (x) => 1 / x, grad: (b, _x, y, dy) => b.neg(b.mul(dy, b.mul(y, y))) },
  tanh: { fn: Math.tanh, grad: (b, _x, y, dy) => b.mul(dy, b.sub(1, b.mul(y, y))) },
  sigmoid: { fn: (x) => 1 / (1 + Math.exp(-x)), grad: (b, _x, y, dy) => b.mul(dy, b.mul(y, b.sub(1, y))) },
  /** 1 where x > 0, else 0: the derivative of relu. */
  step: { fn: (x) => (x > 0 ? 1 : 0) },
  sign: { fn: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0) },
};

function unaryDef(row: UnaryRow): OpDef {
  const grad = row.grad;
  return defineOp({
    arity: 1,
    shape: ([x]) => {
      if (x!.dtype !== 'float32') throw new ShapeRuleError(`expects float32, got ${x!.dtype}`);
      return x!;
    },
    reference: ([x]) => {
      const out = new Float64Array(x!.length);
      for (let i = 0; i < out.length; i++) out[i] = row.fn(x![i]!);
      return out;
    },
    ...(grad ? { grad: ({ b, inputs, node, dy }) => [grad(b, inputs[0]!, node, dy)] } : { zeroGradient: true }),
  });
}

export const UNARY_OPS = Object.fromEntries((Object.entries(UNARY_TABLE) as [UnaryOpName, UnaryRow][]).map(([k, row]) => [k, unaryDef(row)])) as Record<UnaryOpName, OpDef>;
