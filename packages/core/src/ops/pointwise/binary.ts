/**
 * Binary pointwise ops with numpy broadcasting, as table rows. Gradients sum over broadcast axes.
 * Comparisons produce 1/0 in float32 and have zero gradient.
 */
import type { Node } from '../../graph/node.js';
import type { OpsBuilder } from '../../graph/builder.js';
import { broadcastShapes, formatShape, sizeOf } from '../../shape.js';
import { defineOp, ShapeRuleError, type OpDef } from '../op_def.js';
import { broadcastIndexer } from '../ref_util.js';
import type { BinaryOpName } from '../op_names.js';

interface BinaryRow {
  readonly fn: (a: number, b: number) => number;
  /** dL/da and dL/db before reduction to the input shapes. */
  readonly grad?: (b: OpsBuilder, x: Node, y: Node, out: Node, dy: Node) => [Node | null, Node | null];
}

export const BINARY_TABLE: Record<BinaryOpName, BinaryRow> = {
  add: { fn: (a, b) => a + b, grad: (_b, _x, _y, _o, dy) => [dy, dy] },
  sub: { fn: (a, b) => a - b, grad: (b, _x, _y, _o, dy) => [dy, b.neg(dy)] },
  mul: { fn: (a, b) => a * b, grad: (b, x, y, _o, dy) => [b.mul(dy, y), b.mul(dy, x)] },
  div: { fn: (a, b) => a / b, grad: (b, _x, y, o, dy) => [b.div(dy, y), b.neg(b.div(b.mul(dy, o), y))] },
  /** On ties the whole gradient goes to the first operand (PyTorch splits it; ties do not arise in training). */
  maximum: {
    fn: (a, b) => (a >= b ? a : b),
    grad: (b, x, y, _o, dy) => {
      const m = b.greaterEqual(x, y);
      return [b.mul(dy, m), b.mul(dy, b.sub(1, m))];
    },
  },
  minimum: {
    fn: (a, b) => (a <= b ? a : b),
    grad: (b, x, y, _o, dy) => {
      const m = b.lessEqual(x, y);
      return [b.mul(dy, m), b.mul(dy, b.sub(1, m))];
    },
  },
  pow: {
    fn: (a, b) => Math.pow(a, b),
    grad: (b, x, y, o, dy) => [b.mul(dy, b.mul(y, b.pow(x, b.sub(y, 1)))), b.mul(dy, b.mul(o, b.log(x)))],
  },
  equal: { fn: (a, b) => (a === b ? 1 : 0) },
  greater: { fn: (a, b) => (a > b ? 1 : 0) },
  greater_equal: { fn: (a, b) => (a >= b ? 1 : 0) },
  less_equal: { fn: (a, b) => (a <= b ? 1 : 0) },
};

function binaryDef(row: BinaryRow): OpDef {
  const grad = row.grad;
  return defineOp({
    arity: 2,
    shape: ([a, b]) => {
      if (a!.dtype !== 'float32' || b!.dtype !== 'float32') throw new ShapeRuleError(`expects float32 operands, got ${a!.dtype} and ${b!.dtype}`);
      const s = broadcastShapes(a!.shape, b!.shape);
      if (!s) throw new ShapeRuleError(`shapes ${formatShape(a!.shape)} and ${formatShape(b!.shape)} do not broadcast`);
      return { shape: s, dtype: 'float32' };
    },
    reference: ([a, b], { inputTypes, out }) => {
      const n = sizeOf(out.shape);
      const ia = broadcastIndexer(inputTypes[0]!.shape, out.shape);
      const ib = broadcastIndexer(inputTypes[1]!.shape, out.shape);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) y[i] = row.fn(a![ia(i)]!, b![ib(i)]!);
      return y;
    },
    ...(grad
      ? {
          grad: ({ b, inputs, node, dy }) => {
            const [x, y] = inputs as [Node, Node];
            const [gx, gy] = grad(b, x, y, node, dy);
            return [gx && b.sumTo(gx, x.shape), gy && b.sumTo(gy, y.shape)];
          },
        }
      : { zeroGradient: true }),
  });
}

export const BINARY_OPS = Object.fromEntries((Object.entries(BINARY_TABLE) as [BinaryOpName, BinaryRow][]).map(([k, row]) => [k, binaryDef(row)])) as Record<BinaryOpName, OpDef>;
