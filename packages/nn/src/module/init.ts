/**
 * Initialisers as torchvision's ResNet and PyTorch's layer defaults use them, drawn from a seeded `Rng`. Public.
 * Fan-in and fan-out follow torch.nn.init: for a weight [out, in, ...k], fan_in = in·∏k and fan_out = out·∏k.
 */
import { sizeOf, type Rng, type Shape } from '@dogo/core';
import type { Initializer } from './param_spec.js';

/** Fan-in and fan-out of a weight shape [out, in, ...kernel], as torch.nn.init._calculate_fan_in_and_fan_out. */
export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new RangeError(`fans: a weight needs at least 2 dimensions, got [${shape.join(',')}]`);
  const receptive = sizeOf(shape.slice(2));
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

/** Every element equal to `value` (BN weight 1, bias 0, running_mean 0, running_var 1). */
export function constantInit(value: number): Initializer {
  return (_rng, shape) => new Float32Array(sizeOf(shape)).fill(value);
}

/** N(0, std²) with std = sqrt(2 / fan_out): kaiming_normal_(mode='fan_out', nonlinearity='relu'), torchvision's conv init. */
export const kaimingNormalFanOut: Initializer = (rng, shape) => {
  const std = Math.sqrt(2 / fans(shape).fanOut);
  const out = new Float32Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = rng.normal(0, std);
  return out;
};

/** U(-bound, bound). */
export function uniformInit(bound: number): Initializer {
  return (rng, shape) => {
    const out = new Float32Array(sizeOf(shape));
    for (let i = 0; i < out.length; i++) out[i] = (2 * rng.uniform() - 1) * bound;
    return out;
  };
}

/**
 * PyTorch's default for Linear and Conv weights, kaiming_uniform_(a=sqrt(5)): bound = sqrt(6 / ((1 + a²)·fan_in))
 * = 1/sqrt(fan_in). Biases use the same bound with the weight's fan_in, so callers pass it in.
 */
export function fanInUniform(fanIn: number): Initializer {
  return uniformInit(1 / Math.sqrt(fanIn));
}
