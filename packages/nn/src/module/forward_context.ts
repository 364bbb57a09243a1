/**
 * The context a model's forward pass builds graph nodes in. Public. It maps parameter specs to graph state
 * leaves named `prefix + module path + local name` (`student.encoder.layer1.0.conv1.weight`), creating each leaf
 * on first use and reusing it after (a model applied twice in one graph shares its parameters), and collects the
 * new running statistics of training-mode batch norms as state updates. It builds no gradients or optimiser steps.
 * An `onCall` observer sees every child-module call with its input and output nodes (the ONNX exporter maps
 * layers to ONNX operators through it).
 */
import { ShapeError, formatShape, shapesEqual, type Graph, type Node } from '@dogo/core';
import type { ParamSpec } from './param_spec.js';

export interface ForwardOptions {
  /** Training mode: batch norms normalise with batch statistics and update their running statistics. */
  training: boolean;
  /** Prepended to every state leaf name, e.g. `student.encoder.` for a model inside a cohort. Default ''. */
  prefix?: string;
  /** Called after each child-module call (`ctx.call`), innermost first; every scoped view reports to it. */
  onCall?: (call: ModuleCall) => void;
}

/** One child-module call seen by `ForwardOptions.onCall`. */
export interface ModuleCall {
  /** Module path inside the model, without a trailing dot: `layer1.0.conv1`. */
  readonly path: string;
  readonly module: Forward;
  /** The scoped view the module ran in (`ctx.stateName(spec)` gives its state names). */
  readonly ctx: ForwardContext;
  readonly input: Node;
  readonly output: Node;
}

/** Something with a forward pass, so the context can call child modules without importing Module. */
export interface Forward {
  forward(ctx: ForwardContext, x: Node): Node;
}

/** State shared by a context and every scoped view of it. */
interface Shared {
  readonly used: Map<string, Node>;
  readonly updates: Map<string, Node>;
  readonly onCall: ((call: ModuleCall) => void) | undefined;
}

export class ForwardContext {
  readonly graph: Graph;
  readonly training: boolean;
  /** Leaf-name prefix of the whole model (the same in every scoped view). */
  readonly prefix: string;
  /** Module path of this view inside the model, ending in '.' unless empty: `layer1.0.`. */
  readonly path: string;
  /**
   * Full state name -> node of its value after the step: new running statistics in training mode (empty in eval
   * mode). Shared by every view. Pass these as the step's state updates.
   */
  readonly updates: Map<string, Node>;
  private readonly shared: Shared;

  /** A root context on `graph`. `path` and `shared` are for the scoped views `child()` makes; leave them out. */
  constructor(graph: Graph, options: ForwardOptions, path = '', shared?: Shared) {
    this.graph = graph;
    this.training = options.training;
    this.prefix = options.prefix ?? '';
    this.path = path;
    this.shared = shared ?? { used: new Map(), updates: new Map(), onCall: options.onCall };
    this.updates = this.shared.updates;
  }

  /** A view scoped to child module `name`: its parameters are named `path + name + '.' + local`. */
  child(name: string): ForwardContext {
    if (name === '' || name.includes('.')) throw new RangeError(`ForwardContext.child: module name "${name}" must be non-empty and contain no '.'`);
    return new ForwardContext(this.graph, { training: this.training, prefix: this.prefix }, `${this.path}${name}.`, this.shared);
  }

  /** Runs `module` as child `name` of this view, with node labels scoped to `name` as well. */
  call(name: string, module: Forward, x: Node): Node {
    const c = this.child(name);
    const y = this.graph.scope(name, () => module.forward(c, x));
    this.shared.onCall?.({ path: `${this.path}${name}`, module, ctx: c, input: x, output: y });
    return y;
  }

  /** The full state-leaf name of `spec` in this view: prefix + path + local name. */
  stateName(spec: ParamSpec): string {
    return `${this.prefix}${this.path}${spec.name}`;
  }

  /**
   * The graph state leaf of `spec`, created on first use. A leaf of that name already in the graph (from another
   * context with the same prefix) is reused when its shape matches, so a model's parameters stay shared.
   */
  param(spec: ParamSpec): Node {
    const name = this.stateName(spec);
    const seen = this.shared.used.get(name);
    if (seen) return seen;
    let leaf = this.graph.states.get(name);
    if (leaf) {
      if (!shapesEqual(leaf.shape, spec.shape) || leaf.dtype !== 'float32') {
        throw new ShapeError(`state "${name}" already exists as ${leaf.dtype}${formatShape(leaf.shape)}, but this module needs float32${formatShape(spec.shape)}; use another prefix for a different model`);
      }
    } else {
      leaf = this.graph.state(name, spec.shape);
    }
    this.shared.used.set(name, leaf);
    return leaf;
  }

  /**
   * The current value of buffer `spec` in this step: the pending update when an earlier application of the
   * module registered one, else the leaf. So a batch norm applied twice in training mode updates its running
   * statistics twice in sequence, as two PyTorch forward calls would.
   */
  buffer(spec: ParamSpec): Node {
    return this.updates.get(this.stateName(spec)) ?? this.param(spec);
  }

  /** Registers `value` as the new value of buffer `spec` after the step (a later call for the same buffer wins). */
  setUpdate(spec: ParamSpec, value: Node): void {
    if (spec.trainable) throw new RangeError(`ForwardContext.setUpdate: "${this.stateName(spec)}" is a trainable parameter; only buffers are updated by the forward pass`);
    if (!shapesEqual(value.shape, spec.shape)) throw new ShapeError(`update of "${this.stateName(spec)}" has shape ${formatShape(value.shape)}, expected ${formatShape(spec.shape)}`);
    this.param(spec);
    this.updates.set(this.stateName(spec), value);
  }

  /** Full names of every state leaf this context (and its views) used, in first-use order. */
  stateNames(): string[] {
    return [...this.shared.used.keys()];
  }
}
