/**
 * A parameter or buffer a module owns: its local name, shape, role and initialiser. Public.
 * A spec is a description, not a value: values live in a state dict or in a backend's state leaves.
 */
import { sizeOf, type Rng, type Shape } from '@dogo/core';

/**
 * What a tensor is for. Optimisers use it (no weight decay on biases and BN affine terms, as is common);
 * `running_mean` and `running_var` are buffers: state updated by the forward pass, never by gradients.
 * PyTorch's int64 `num_batches_tracked` buffer is deliberately not modelled (see state_dict/).
 */
export type ParamKind = 'weight' | 'bias' | 'bn_weight' | 'bn_bias' | 'running_mean' | 'running_var';

/** Fills a fresh tensor of `shape` from `rng`. */
export type Initializer = (rng: Rng, shape: Shape) => Float32Array;

/** One named tensor of a module (`weight`, `running_var`, ...). */
export class ParamSpec {
  /** False for buffers (running statistics): they are state, not parameters to differentiate. */
  readonly trainable: boolean;

  constructor(
    /** Local name inside its module, as PyTorch's (`weight`, `bias`, `running_mean`). */
    readonly name: string,
    readonly shape: Shape,
    readonly kind: ParamKind,
    private readonly initializer: Initializer,
  ) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new RangeError(`ParamSpec: name "${name}" must be an identifier such as "weight"`);
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 1)) throw new RangeError(`ParamSpec "${name}": shape [${shape.join(',')}] must be positive integers`);
    this.shape = [...shape];
    this.trainable = kind !== 'running_mean' && kind !== 'running_var';
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** A freshly initialised value drawn from `rng` (pass a generator forked for this tensor). */
  init(rng: Rng): Float32Array {
    const v = this.initializer(rng, this.shape);
    if (v.length !== this.size) throw new RangeError(`ParamSpec "${this.name}": initializer returned ${v.length} values for shape [${this.shape.join(',')}]`);
    return v;
  }
}
