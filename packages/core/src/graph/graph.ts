/**
 * The graph: an append-only list of nodes, created through `node()`, which runs the op's shape rule.
 * Leaves are named inputs (fed every run), named state (persistent across runs: parameters,
 * optimiser state, running statistics) and constants. Does not differentiate, plan or run.
 */
import type { DType } from '../dtype.js';
import { ShapeError } from '../errors.js';
import { formatShape, type Shape } from '../shape.js';
import { ShapeRuleError, type Attrs, type TensorType } from '../ops/op_def.js';
import { getOp, type OpName } from '../ops/registry.js';
import { Node } from './node.js';

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs = new Map<string, Node>();
  readonly states = new Map<string, Node>();
  private readonly scopes: string[] = [];
  /** Above 0 while a gradient rule builds nodes (gradientScope). */
  private gradientDepth = 0;

  /** Appends a node after checking its inputs against the op's shape rule. */
  node(op: OpName, inputs: readonly Node[], attrs: Attrs = {}, label?: string): Node {
    const def = getOp(op);
    for (const x of inputs) {
      if (x.graph !== this) throw new ShapeError(`${op}: input ${x} belongs to another graph; build all nodes of a step in one Graph`);
    }
    if (def.arity !== 'variadic' && inputs.length !== def.arity) {
      throw new ShapeError(`${op}: expects ${def.arity} inputs, got ${inputs.length}`);
    }
    let type: TensorType;
    try {
      type = def.shape(inputs.map((x) => ({ shape: x.shape, dtype: x.dtype })), attrs);
    } catch (e) {
      if (!(e instanceof ShapeRuleError)) throw e;
      const where = this.scopeLabel(label);
      const shapes = inputs.map((x) => `${x.dtype}${formatShape(x.shape)}${x.label ? ` (${x.label})` : ''}`).join(', ');
      throw new ShapeError(`${op} (node #${this.nodes.length}${where ? ` in ${where}` : ''}): ${e.message}; inputs: ${shapes || 'none'}`);
    }
    const node = new Node(this, this.nodes.length, op, [...inputs], attrs, type.shape, type.dtype, this.scopeLabel(label), this.gradientDepth > 0);
    this.nodes.push(node);
    return node;
  }

  /** A value fed on every run under `name`. */
  input(name: string, shape: Shape, dtype: DType = 'float32'): Node {
    if (this.inputs.has(name) || this.states.has(name)) throw new ShapeError(`input "${name}" is defined twice; leaf names must be unique`);
    const n = this.node('input', [], { name, shape: [...shape], dtype }, name);
    this.inputs.set(name, n);
    return n;
  }

  /** A persistent value (a parameter, optimiser state, a running statistic) that runs may update in place. */
  state(name: string, shape: Shape, dtype: DType = 'float32'): Node {
    if (this.inputs.has(name) || this.states.has(name)) throw new ShapeError(`state "${name}" is defined twice; leaf names must be unique`);
    const n = this.node('state', [], { name, shape: [...shape], dtype }, name);
    this.states.set(name, n);
    return n;
  }

  /** A constant tensor holding `data`. */
  constant(data: Float32Array | Int32Array | readonly number[], shape: Shape, dtype: DType = 'float32'): Node {
    const arr = data instanceof Float32Array || data instanceof Int32Array ? data : dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data);
    return this.node('constant', [], { data: arr, shape: [...shape], dtype });
  }

  /** A tensor with every element equal to `value`. */
  fill(value: number, shape: Shape = [], dtype: DType = 'float32'): Node {
    return this.node('fill', [], { value, shape: [...shape], dtype });
  }

  /** Runs `build` with `name` pushed on the label scope, so errors and plans say where a node came from. */
  scope<T>(name: string, build: () => T): T {
    this.scopes.push(name);
    try {
      return build();
    } finally {
      this.scopes.pop();
    }
  }

  /**
   * Runs `build` (a gradient rule) with the label scope replaced by `label` (restored afterwards) and every node
   * it makes marked `gradient`: autodiff labels the gradient nodes of a node with that node's label, so plans
   * and profiles say which layer they belong to, and passes still tell them from forward nodes.
   */
  gradientScope<T>(label: string | undefined, build: () => T): T {
    const saved = this.scopes.splice(0, this.scopes.length, ...(label === undefined ? [] : [label]));
    this.gradientDepth++;
    try {
      return build();
    } finally {
      this.gradientDepth--;
      this.scopes.splice(0, this.scopes.length, ...saved);
    }
  }

  private scopeLabel(label: string | undefined): string | undefined {
    if (this.scopes.length === 0) return label;
    const s = this.scopes.join('.');
    return label ? `${s}.${label}` : s;
  }
}
