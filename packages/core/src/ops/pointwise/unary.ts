/**
 * Unary pointwise ops as table rows: each row is the op's whole definition in the core (attributes with
 * PyTorch's names and defaults, reference function, gradient written as other ops, and the domain tests
 * draw inputs from). The builders (`ops.leakyRelu`, ...), the registry entries and the generic test cases
 * derive from this table; each backend keeps one code table typed over UnaryOpName (see pointwise_types.ts).
 * Adding a unary op: its name below, its attributes in UnaryAttrMap if it has any, its row, and one row in
 * each backend's code table.
 */
import type { Node } from '../../graph/node.js';
import type { OpsBuilder } from '../../graph/builder.js';
import { defineOp, ShapeRuleError, type Attrs, type OpDef } from '../op_def.js';
import type { AttrSpec, Domain } from './pointwise_types.js';
import { erf } from './erf.js';
import { checkAttrs } from './attrs_check.js';

export const UNARY_OP_NAMES = [
  'neg', 'exp', 'log', 'sqrt', 'rsqrt', 'relu', 'abs', 'square', 'reciprocal', 'tanh', 'sigmoid', 'step', 'sign', 'erf',
  'gelu', 'leaky_relu', 'elu',
] as const;
export type UnaryOpName = (typeof UNARY_OP_NAMES)[number];

/** Attributes of the unary ops that have any (PyTorch's names); every other unary op has none. */
interface UnaryAttrMap {
  gelu: { approximate: 'none' | 'tanh' };
  leaky_relu: { negative_slope: number };
  elu: { alpha: number };
}
/** The attributes of unary op K. */
export type UnaryAttrs<K extends UnaryOpName> = K extends keyof UnaryAttrMap ? UnaryAttrMap[K] : Record<never, never>;

/** One unary op's definition. */
export interface UnaryRow<A> {
  /** Attributes and their defaults; absent for ops without attributes. */
  readonly attrs?: AttrSpec<A>;
  /** The reference function, in float64. */
  readonly fn: (x: number, attrs: A) => number;
  /** dL/dx from x, y = f(x) and dL/dy; absent for ops whose gradient is zero everywhere. */
  readonly grad?: (b: OpsBuilder, x: Node, y: Node, dy: Node, attrs: A) => Node;
  /** Inputs tests draw from (gradcheck, backend comparisons): smooth and well away from overflow. */
  readonly domain: Domain;
  /** Relative cost of recomputing the op inside a fused group (default 1; transcendental functions more). */
  readonly cost?: number;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_TANH_C = 0.044715;
const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** 1 where x > 0, else `negative`: the slope of the piecewise-linear ops, as graph ops. */
const slope = (b: OpsBuilder, x: Node, negative: number | Node): Node => {
  const s = b.step(x);
  return b.add(s, b.mul(b.sub(1, s), negative));
};

export const UNARY_TABLE: { readonly [K in UnaryOpName]: UnaryRow<UnaryAttrs<K>> } = {
  neg: { fn: (x) => -x, grad: (b, _x, _y, dy) => b.neg(dy), domain: { lo: -3, hi: 3 } },
  exp: { fn: Math.exp, grad: (b, _x, y, dy) => b.mul(dy, y), domain: { lo: -3, hi: 3 }, cost: 4 },
  log: { fn: Math.log, grad: (b, x, _y, dy) => b.div(dy, x), domain: { lo: 0.3, hi: 4 }, cost: 4 },
  sqrt: { fn: Math.sqrt, grad: (b, _x, y, dy) => b.div(b.mul(dy, 0.5), y), domain: { lo: 0.3, hi: 4 } },
  rsqrt: { fn: (x) => 1 / Math.sqrt(x), grad: (b, _x, y, dy) => b.mul(dy, b.mul(b.mul(y, b.mul(y, y)), -0.5)), domain: { lo: 0.3, hi: 4 } },
  relu: { fn: (x) => (x > 0 ? x : 0), grad: (b, x, _y, dy) => b.mul(dy, b.step(x)), domain: { lo: -3, hi: 3, avoid: 0.1 } },
  abs: { fn: Math.abs, grad: (b, x, _y, dy) => b.mul(dy, b.sign(x)), domain: { lo: -3, hi: 3, avoid: 0.1 } },
  square: { fn: (x) => x * x, grad: (b, x, _y, dy) => b.mul(dy, b.mul(x, 2)), domain: { lo: -3, hi: 3 } },
  reciprocal: { fn: (x) => 1 / x, grad: (b, _x, y, dy) => b.neg(b.mul(dy, b.mul(y, y))), domain: { lo: 0.3, hi: 4 } },
  tanh: { fn: Math.tanh, grad: (b, _x, y, dy) => b.mul(dy, b.sub(1, b.mul(y, y))), domain: { lo: -3, hi: 3 }, cost: 4 },
  sigmoid: { fn: (x) => 1 / (1 + Math.exp(-x)), grad: (b, _x, y, dy) => b.mul(dy, b.mul(y, b.sub(1, y))), domain: { lo: -4, hi: 4 }, cost: 4 },
  /** 1 where x > 0, else 0: the derivative of relu. */
  step: { fn: (x) => (x > 0 ? 1 : 0), domain: { lo: -3, hi: 3, avoid: 0.1 } },
  sign: { fn: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), domain: { lo: -3, hi: 3, avoid: 0.1 } },
  /** d erf(x)/dx = 2/√π e^(-x²). */
  erf: { fn: erf, grad: (b, x, _y, dy) => b.mul(dy, b.mul(b.exp(b.neg(b.square(x))), 2 / Math.sqrt(Math.PI))), domain: { lo: -3, hi: 3 }, cost: 6 },
  /**
   * x·Φ(x) with Φ the normal CDF (approximate 'none', Φ from erf), or its tanh approximation
   * 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as torch.nn.functional.gelu.
   */
  gelu: {
    attrs: { approximate: { default: 'none', choices: ['none', 'tanh'] } },
    fn: (x, a) => (a.approximate === 'tanh'
      ? 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + GELU_TANH_C * x * x * x)))
      : 0.5 * x * (1 + erf(x * INV_SQRT_2))),
    grad: (b, x, _y, dy, a) => {
      if (a.approximate === 'tanh') {
        // d/dx = 0.5(1 + t) + 0.5·x·(1 - t²)·√(2/π)·(1 + 3c·x²), t = tanh(√(2/π)(x + c·x³))
        const x2 = b.square(x);
        const t = b.tanh(b.mul(b.mul(x, b.add(b.mul(x2, GELU_TANH_C), 1)), SQRT_2_OVER_PI));
        const inner = b.mul(b.add(b.mul(x2, 3 * GELU_TANH_C), 1), SQRT_2_OVER_PI);
        const d = b.add(b.mul(b.add(t, 1), 0.5), b.mul(b.mul(b.mul(x, b.sub(1, b.square(t))), inner), 0.5));
        return b.mul(dy, d);
      }
      // d/dx = Φ(x) + x·φ(x), φ(x) = e^(-x²/2)/√(2π)
      const cdf = b.mul(b.add(b.erf(b.mul(x, INV_SQRT_2)), 1), 0.5);
      const pdf = b.mul(b.exp(b.mul(b.square(x), -0.5)), INV_SQRT_2PI);
      return b.mul(dy, b.add(cdf, b.mul(x, pdf)));
    },
    domain: { lo: -3, hi: 3 },
    cost: 8,
  },
  /** x where x > 0, else negative_slope·x (torch.nn.functional.leaky_relu). */
  leaky_relu: {
    attrs: { negative_slope: { default: 0.01 } },
    fn: (x, a) => (x > 0 ? x : a.negative_slope * x),
    grad: (b, x, _y, dy, a) => b.mul(dy, slope(b, x, a.negative_slope)),
    domain: { lo: -3, hi: 3, avoid: 0.1 },
  },
  /** x where x > 0, else alpha·(exp(x) - 1) (torch.nn.functional.elu); the slope below 0 is y + alpha. */
  elu: {
    attrs: { alpha: { default: 1 } },
    fn: (x, a) => (x > 0 ? x : a.alpha * Math.expm1(x)),
    grad: (b, x, y, dy, a) => b.mul(dy, slope(b, x, b.add(y, a.alpha))),
    domain: { lo: -3, hi: 3, avoid: 0.1 },
    cost: 4,
  },
};

function unaryDef<A extends Attrs>(name: string, row: UnaryRow<A>): OpDef<A> {
  const grad = row.grad;
  return defineOp<A>({
    arity: 1,
    shape: ([x], attrs) => {
      if (x!.dtype !== 'float32') throw new ShapeRuleError(`expects float32, got ${x!.dtype}`);
      checkAttrs(name, row.attrs, attrs);
      return x!;
    },
    reference: ([x], { attrs }) => {
      const out = new Float64Array(x!.length);
      for (let i = 0; i < out.length; i++) out[i] = row.fn(x![i]!, attrs);
      return out;
    },
    ...(grad ? { grad: ({ b, inputs, node, dy, attrs }) => [grad(b, inputs[0]!, node, dy, attrs)] } : { zeroGradient: true }),
  });
}

/** The registry entries of the unary ops. */
export const UNARY_OPS = Object.fromEntries(UNARY_OP_NAMES.map((k) => [k, unaryDef(k, UNARY_TABLE[k] as UnaryRow<Attrs>)])) as {
  readonly [K in UnaryOpName]: OpDef<UnaryAttrs<K>>;
};
