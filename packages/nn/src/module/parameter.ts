/**
 * A state leaf of a forward pass that an optimiser may update: its full name, its node, its spec (kind, shape,
 * initialiser) and the context that made it (whose running-statistic updates go into the same step). Public.
 */
import type { Node } from '@dogo/core';
import type { ForwardContext } from './forward_context.js';
import type { ParamSpec } from './param_spec.js';

/** A named leaf of a model in a graph, as ForwardContext.parameters() and buffers() return it. */
export interface Parameter {
  /** Full state name: prefix + module path + local name (`conv1.weight`, `student.encoder.fc.bias`). */
  readonly name: string;
  /** The graph's state leaf. */
  readonly node: Node;
  /** Kind, shape and initialiser; `spec.trainable` is false for running statistics. */
  readonly spec: ParamSpec;
  /** The forward pass the leaf belongs to: its `updates` (running statistics) join the optimiser's step. */
  readonly context: ForwardContext;
}
