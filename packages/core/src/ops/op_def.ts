/**
 * The shape of one op registry entry: attributes, shape rule, reference kernel and gradient.
 * An op is defined in exactly one place (its file under ops/); backends look kernels up by name.
 */
import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';
import type { Node } from '../graph/node.js';
import type { OpsBuilder } from '../graph/builder.js';

/** Static type of a value: shape and element type. */
export interface TensorType {
  readonly shape: Shape;
  readonly dtype: DType;
}

/** Attribute values an op may carry. Arrays of numbers cover strides, axes, shapes. */
export type AttrValue = number | boolean | string | readonly number[] | Float32Array | Int32Array | undefined;
export type Attrs = { readonly [key: string]: AttrValue };

/** A reference-kernel array: float32 values are held in float64 by the oracle. */
export type RefArray = Float64Array | Int32Array;

export interface RefContext<A> {
  readonly attrs: A;
  readonly inputTypes: readonly TensorType[];
  readonly out: TensorType;
}

export interface GradContext<A> {
  /** The node whose gradient is being formed. */
  readonly node: Node;
  readonly inputs: readonly Node[];
  readonly attrs: A;
  /** Gradient flowing into this node's output. */
  readonly dy: Node;
  /** Builders for other ops: gradients are written as graph ops. */
  readonly b: OpsBuilder;
}

/** Where a shape rule finds a problem, it throws this; the graph adds op, node and shapes. */
export class ShapeRuleError extends Error {}

export interface OpDef<A extends Attrs = Attrs> {
  /** Number of inputs, or 'variadic' (concat). */
  readonly arity: number | 'variadic';
  /** Leaves (input, state, constant) have no inputs and no kernel to run. */
  readonly leaf?: boolean;
  /** Never merged by common-subexpression elimination (values that change per step). */
  readonly impure?: boolean;
  /** Infers the output type; throws ShapeRuleError with the reason on a mismatch. */
  shape(inputs: readonly TensorType[], attrs: A): TensorType;
  /** The oracle: plain TypeScript, accumulating in float64. Absent for leaves. */
  reference?(inputs: readonly RefArray[], ctx: RefContext<A>): RefArray;
  /**
   * Gradients with respect to each input, as graph nodes (null: no gradient flows to that input).
   * Absent: the op is not differentiable (asking for a gradient through it is an error),
   * unless `zeroGradient` says its gradient is zero everywhere (step, equal, argmax-like ops).
   */
  grad?(ctx: GradContext<A>): readonly (Node | null)[];
  /** True for ops whose derivative is zero almost everywhere (comparisons, stop_gradient, one_hot). */
  readonly zeroGradient?: boolean;
}

/** Helper that keeps each entry's attribute type while checking it against OpDef. */
export function defineOp<A extends Attrs>(def: OpDef<A>): OpDef<A> {
  return def;
}
