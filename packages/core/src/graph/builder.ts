/**
 * Functional op builders: `ops.add(a, b)`, `ops.matmul(a, b, {transposeB: true})`, ... Each creates a node in
 * the graph of its first node operand; plain numbers become scalar fills. Small composites (mean, sumTo,
 * conv2d with bias) live here because gradients use them; larger ones live under composite/.
 */
import type { DType } from '../dtype.js';
import { normalizeAxes, shapesEqual, sizeOf, type Shape } from '../shape.js';
import type { Attrs } from '../ops/op_def.js';
import type { OpName } from '../ops/registry.js';
import { UNARY_OP_NAMES, type UnaryAttrs, type UnaryOpName } from '../ops/pointwise/unary.js';
import { unaryDefaults } from '../ops/pointwise/pointwise.js';
import { BINARY_OP_NAMES, type BinaryOpName } from '../ops/pointwise/binary.js';
import type { Node } from './node.js';

export type Operand = Node | number;

function graphOf(...xs: Operand[]): Node {
  for (const x of xs) if (typeof x !== 'number') return x;
  throw new TypeError('at least one operand must be a graph node, not only numbers');
}

function lift(x: Operand, like: Node): Node {
  return typeof x === 'number' ? like.graph.fill(x, [], 'float32') : x;
}

type CamelCase<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;
const camelCase = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

type UnaryBuilder<K extends UnaryOpName> = [keyof UnaryAttrs<K>] extends [never] ? (x: Node) => Node : (x: Node, attrs?: Partial<UnaryAttrs<K>>) => Node;
/** A builder per unary op of the table, named in camelCase (`leaky_relu` -> `ops.leakyRelu(x, { negative_slope })`). */
export type UnaryBuilders = { readonly [K in UnaryOpName as CamelCase<K>]: UnaryBuilder<K> };
/** A builder per binary op of the table (`greater_equal` -> `ops.greaterEqual(a, b)`); numbers become scalar fills. */
export type BinaryBuilders = { readonly [K in BinaryOpName as CamelCase<K>]: (a: Operand, b: Operand) => Node };

// Unary builders fill in the attribute defaults of the op's row, so every node carries all its attributes.
const unaryBuilders = Object.fromEntries(
  UNARY_OP_NAMES.map((op) => {
    const defaults = unaryDefaults(op);
    return [camelCase(op), (x: Node, attrs: Attrs = {}) => x.graph.node(op, [x], { ...defaults, ...attrs })];
  }),
) as unknown as UnaryBuilders;

const binaryBuilders = Object.fromEntries(
  BINARY_OP_NAMES.map((op) => [
    camelCase(op),
    (a: Operand, b: Operand): Node => {
      const ref = graphOf(a, b);
      return ref.graph.node(op, [lift(a, ref), lift(b, ref)]);
    },
  ]),
) as unknown as BinaryBuilders;

function allAxes(x: Node): number[] {
  return x.shape.map((_, i) => i);
}

export interface MatmulOptions { transposeA?: boolean; transposeB?: boolean }
export interface ConvOptions { stride?: readonly number[]; padding?: readonly number[] }
export interface PoolOptions { kernel: readonly number[]; stride?: readonly number[]; padding?: readonly number[] }

function convAttrs(o: ConvOptions): { stride: number[]; padding: number[] } {
  return { stride: [...(o.stride ?? [1, 1])], padding: [...(o.padding ?? [0, 0])] };
}

export const ops = {
  /** Creates a node of any registered op; prefer the named builders. */
  node: (op: OpName, inputs: readonly Node[], attrs: Attrs = {}): Node => graphOf(...inputs).graph.node(op, inputs, attrs),

  ...unaryBuilders,
  ...binaryBuilders,

  sum: (x: Node, axes?: readonly number[], keepdims = false): Node => x.graph.node('sum', [x], { axes: [...(axes ?? allAxes(x))], keepdims }),
  max: (x: Node, axes?: readonly number[], keepdims = false): Node => x.graph.node('max', [x], { axes: [...(axes ?? allAxes(x))], keepdims }),
  /** Mean and biased variance over `axes`, stacked: [2, ...x's shape with those axes 1] (see ops/reduce/moments.ts). */
  moments: (x: Node, axes: readonly number[]): Node => x.graph.node('moments', [x], { axes: normalizeAxes(axes, x.rank) }),
  mean: (x: Node, axes?: readonly number[], keepdims = false): Node => {
    const ax = normalizeAxes(axes ?? allAxes(x), x.rank);
    const count = ax.reduce((p, a) => p * x.shape[a]!, 1);
    return ops.mul(ops.sum(x, ax, keepdims), 1 / count);
  },

  reshape: (x: Node, shape: Shape): Node => (shapesEqual(x.shape, shape) ? x : x.graph.node('reshape', [x], { shape: [...shape] })),
  transpose: (x: Node, perm?: readonly number[]): Node => x.graph.node('transpose', [x], { perm: [...(perm ?? allAxes(x).reverse())] }),
  broadcastTo: (x: Node, shape: Shape): Node => (shapesEqual(x.shape, shape) ? x : x.graph.node('broadcast_to', [x], { shape: [...shape] })),
  concat: (xs: readonly Node[], axis: number): Node => (xs.length === 1 ? xs[0]! : graphOf(...xs).graph.node('concat', xs, { axis })),
  slice: (x: Node, begin: readonly number[], size: readonly number[]): Node => x.graph.node('slice', [x], { begin: [...begin], size: [...size] }),
  pad: (x: Node, before: readonly number[], after: readonly number[]): Node =>
    before.every((p) => p === 0) && after.every((p) => p === 0) ? x : x.graph.node('pad', [x], { before: [...before], after: [...after] }),

  /** Sums x down to `shape` (the inverse of broadcasting): used by gradients of broadcasting ops. */
  sumTo: (x: Node, shape: Shape): Node => {
    if (shapesEqual(x.shape, shape)) return x;
    const lead = x.rank - shape.length;
    let y = x;
    if (lead > 0) y = ops.sum(y, Array.from({ length: lead }, (_, i) => i), false);
    const axes = shape.flatMap((d, i) => (d === 1 && y.shape[i] !== 1 ? [i] : []));
    if (axes.length > 0) y = ops.sum(y, axes, true);
    return ops.reshape(y, shape);
  },

  matmul: (a: Node, b: Node, o: MatmulOptions = {}): Node =>
    a.graph.node('matmul', [a, b], { transposeA: o.transposeA ?? false, transposeB: o.transposeB ?? false }),

  /** Convolution; `bias` [O] is added per output channel. */
  conv2d: (x: Node, w: Node, o: ConvOptions = {}, bias?: Node): Node => {
    const y = x.graph.node('conv2d', [x, w], convAttrs(o));
    return bias ? ops.add(y, ops.reshape(bias, [1, bias.size, 1, 1])) : y;
  },
  conv2dBackwardData: (dy: Node, w: Node, o: ConvOptions, inputShape: Shape): Node =>
    dy.graph.node('conv2d_backward_data', [dy, w], { ...convAttrs(o), inputShape: [...inputShape] }),
  conv2dBackwardWeight: (x: Node, dy: Node, o: ConvOptions, weightShape: Shape): Node =>
    x.graph.node('conv2d_backward_weight', [x, dy], { ...convAttrs(o), weightShape: [...weightShape] }),

  maxPool2d: (x: Node, o: PoolOptions): Node =>
    x.graph.node('max_pool2d', [x], { kernel: [...o.kernel], stride: [...(o.stride ?? o.kernel)], padding: [...(o.padding ?? [0, 0])] }),
  avgPool2d: (x: Node, o: PoolOptions): Node =>
    x.graph.node('avg_pool2d', [x], { kernel: [...o.kernel], stride: [...(o.stride ?? o.kernel)], padding: [...(o.padding ?? [0, 0])] }),

  stopGradient: (x: Node): Node => x.graph.node('stop_gradient', [x]),
  oneHot: (labels: Node, depth: number): Node => labels.graph.node('one_hot', [labels], { depth }),
  cast: (x: Node, dtype: DType): Node => (x.dtype === dtype ? x : x.graph.node('cast', [x], { dtype })),
  resizedCrop: (x: Node, boxes: Node, size: readonly number[]): Node => x.graph.node('resized_crop', [x, boxes], { size: [...size] }),

  /** Elements of x as a count, for means over shapes. */
  count: (x: Node): number => sizeOf(x.shape),
};

export type OpsBuilder = typeof ops;
