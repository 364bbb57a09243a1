/**
 * Binary pointwise ops with numpy broadcasting, as table rows: reference function, gradient (summed over
 * broadcast axes by the registry entry), and the domains tests draw each operand from. Comparisons give
 * 1/0 in float32 and have zero gradient. Builders and registry entries derive from this table; each backend
 * keeps one code table typed over BinaryOpName (see pointwise_types.ts).
 */
import type { Node } from '../../graph/node.js';
import type { OpsBuilder } from '../../graph/builder.js';
import { broadcastShapes, formatShape, sizeOf } from '../../shape.js';
import { defineOp, ShapeRuleError, type OpDef } from '../op_def.js';
import { broadcastIndexer } from '../ref_util.js';
import type { Domain } from './pointwise_types.js';
import { checkAttrs } from './attrs_check.js';

export const BINARY_OP_NAMES = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'equal', 'greater', 'greater_equal', 'less_equal'] as const;
export type BinaryOpName = (typeof BINARY_OP_NAMES)[number];

/** One binary op's definition. */
export interface BinaryRow {
  readonly fn: (a: number, b: number) => number;
  /** dL/da and dL/db before reduction to the input shapes; absent for zero-gradient ops. */
  readonly grad?: (b: OpsBuilder, x: Node, y: Node, out: Node, dy: Node) => [Node | null, Node | null];
  /** Inputs tests draw each operand from. */
  readonly domain: readonly [Domain, Domain];
  /** Relative cost of recomputing the op inside a fused group (default 1). */
  readonly cost?: number;
}

const any: readonly [Domain, Domain] = [{ lo: -3, hi: 3 }, { lo: -3, hi: 3 }];

export const BINARY_TABLE: { readonly [K in BinaryOpName]: BinaryRow } = {
  add: { fn: (a, b) => a + b, grad: (_b, _x, _y, _o, dy) => [dy, dy], domain: any },
  sub: { fn: (a, b) => a - b, grad: (b, _x, _y, _o, dy) => [dy, b.neg(dy)], domain: any },
  mul: { fn: (a, b) => a * b, grad: (b, x, y, _o, dy) => [b.mul(dy, y), b.mul(dy, x)], domain: any },
  div: { fn: (a, b) => a / b, grad: (b, _x, y, o, dy) => [b.div(dy, y), b.neg(b.div(b.mul(dy, o), y))], domain: [{ lo: -3, hi: 3 }, { lo: -3, hi: 3, avoid: 0.5 }] },
  /** On ties the whole gradient goes to the first operand (PyTorch splits it; ties do not arise in training). */
  maximum: {
    fn: (a, b) => (a >= b ? a : b),
    grad: (b, x, y, _o, dy) => {
      const m = b.greaterEqual(x, y);
      return [b.mul(dy, m), b.mul(dy, b.sub(1, m))];
    },
    domain: any,
  },
  minimum: {
    fn: (a, b) => (a <= b ? a : b),
    grad: (b, x, y, _o, dy) => {
      const m = b.lessEqual(x, y);
      return [b.mul(dy, m), b.mul(dy, b.sub(1, m))];
    },
    domain: any,
  },
  pow: {
    fn: (a, b) => Math.pow(a, b),
    grad: (b, x, y, o, dy) => [b.mul(dy, b.mul(y, b.pow(x, b.sub(y, 1)))), b.mul(dy, b.mul(o, b.log(x)))],
    domain: [{ lo: 0.3, hi: 3 }, { lo: -2, hi: 2 }],
    cost: 8,
  },
  equal: { fn: (a, b) => (a === b ? 1 : 0), domain: any },
  greater: { fn: (a, b) => (a > b ? 1 : 0), domain: any },
  greater_equal: { fn: (a, b) => (a >= b ? 1 : 0), domain: any },
  less_equal: { fn: (a, b) => (a <= b ? 1 : 0), domain: any },
};

function binaryDef(name: string, row: BinaryRow): OpDef<Record<never, never>> {
  const grad = row.grad;
  return defineOp<Record<never, never>>({
    arity: 2,
    shape: ([a, b], attrs) => {
      if (a!.dtype !== 'float32' || b!.dtype !== 'float32') throw new ShapeRuleError(`expects float32 operands, got ${a!.dtype} and ${b!.dtype}`);
      checkAttrs(name, undefined, attrs);
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

/** The registry entries of the binary ops. */
export const BINARY_OPS = Object.fromEntries(BINARY_OP_NAMES.map((k) => [k, binaryDef(k, BINARY_TABLE[k])])) as { readonly [K in BinaryOpName]: OpDef<Record<never, never>> };
