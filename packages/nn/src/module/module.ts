/**
 * The base class of every layer and model. Public. A module owns parameter specs and named child modules, both
 * in insertion order, so `namedParameters()` yields torchvision's state-dict names and order (own tensors first,
 * then each child's). Modules hold no values: `initialState` draws them, `forward` builds graph nodes.
 */
import type { Node, Rng } from '@dogo/core';
import type { ForwardContext } from './forward_context.js';
import type { ParamSpec } from './param_spec.js';

export abstract class Module {
  private readonly childModules = new Map<string, Module>();
  private readonly ownSpecs: ParamSpec[] = [];

  /** Builds this module's nodes on `x` in `ctx` (which is already scoped to this module). */
  abstract forward(ctx: ForwardContext, x: Node): Node;

  /** Registers child `name` (PyTorch's attribute name, or '0', '1', ... in a Sequential) and returns it. */
  protected addModule<M extends Module>(name: string, module: M): M {
    if (name === '' || name.includes('.')) throw new RangeError(`addModule: name "${name}" must be non-empty and contain no '.'`);
    if (this.childModules.has(name) || this.ownSpecs.some((s) => s.name === name)) throw new RangeError(`addModule: "${name}" is already registered`);
    this.childModules.set(name, module);
    return module;
  }

  /** Registers a parameter or buffer of this module and returns it. */
  protected addParam(spec: ParamSpec): ParamSpec {
    if (this.childModules.has(spec.name) || this.ownSpecs.some((s) => s.name === spec.name)) throw new RangeError(`addParam: "${spec.name}" is already registered`);
    this.ownSpecs.push(spec);
    return spec;
  }

  /** Runs child `name` on `x`, scoping parameter names and node labels to it. */
  protected callChild(ctx: ForwardContext, name: string, x: Node): Node {
    const child = this.childModules.get(name);
    if (!child) throw new RangeError(`${this.constructor.name}: no child module "${name}"`);
    return ctx.call(name, child, x);
  }

  /** The child registered as `name`, or undefined. */
  getChild(name: string): Module | undefined {
    return this.childModules.get(name);
  }

  /** Direct children as [name, module], in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.childModules];
  }

  /**
   * Every tensor of the subtree, parameters and buffers, as [full name, spec], in PyTorch's state-dict order (the
   * keys of `state_dict()`; parameters() and buffers() split them):
   * `conv1.weight`, `bn1.weight`, `bn1.bias`, `bn1.running_mean`, `bn1.running_var`, `layer1.0.conv1.weight`, ...
   */
  *namedParameters(prefix = ''): Generator<[string, ParamSpec]> {
    for (const s of this.ownSpecs) yield [prefix + s.name, s];
    for (const [name, child] of this.childModules) yield* child.namedParameters(`${prefix}${name}.`);
  }

  /**
   * The trainable tensors of the subtree as [full name, spec], in state-dict order: PyTorch's
   * `named_parameters()`. Running statistics are left out (see buffers()).
   */
  parameters(prefix = ''): [string, ParamSpec][] {
    return [...this.namedParameters(prefix)].filter(([, s]) => s.trainable);
  }

  /** The buffers of the subtree (batch norms' running_mean and running_var) as [full name, spec]: PyTorch's `named_buffers()`. */
  buffers(prefix = ''): [string, ParamSpec][] {
    return [...this.namedParameters(prefix)].filter(([, s]) => !s.trainable);
  }

  /**
   * Fresh values of every tensor by full name. Each is drawn from `rng.fork(fullName)`, so a seed gives the same
   * values everywhere and adding or removing a module does not change the others. `rng` is not advanced.
   */
  initialState(rng: Rng): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const [name, spec] of this.namedParameters()) out[name] = spec.init(rng.fork(name));
    return out;
  }
}
