/**
 * A graph value: one op applied to input values, with a static shape and dtype.
 * Nodes are immutable; every node has exactly one output (multi-result computations are several nodes).
 */
import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';
import { formatShape, sizeOf } from '../shape.js';
import type { Attrs } from '../ops/op_def.js';
import type { Graph } from './graph.js';
import type { OpName } from '../ops/registry.js';

export class Node {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly op: OpName,
    readonly inputs: readonly Node[],
    readonly attrs: Attrs,
    readonly shape: Shape,
    readonly dtype: DType,
    /** Human label for errors and plans: leaf names, or a scope such as `layer1.0.conv1`. */
    readonly label: string | undefined,
    /** Made by autodiff's gradient rules (it then carries the label of the node it differentiates). */
    readonly gradient = false,
  ) {}

  get size(): number {
    return sizeOf(this.shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.op}#${this.id}${this.label ? ` "${this.label}"` : ''} ${this.dtype}${formatShape(this.shape)}`;
  }
}

/** The public name for a node handle in user code. */
export type Tensor = Node;
