/**
 * Weights for tests of anything that maps a model's tensors (state dicts, ONNX export): a seeded initial state
 * with every batch-norm scale, shift and running statistic moved off 1 and 0, so a wrong mapping of any of them
 * changes the outputs.
 */
import { Rng } from '@dogo/core';
import type { Module } from '../module/module.js';

export function trainedLikeWeights(model: Module, seed: number): Record<string, Float32Array> {
  const values = model.initialState(new Rng(seed));
  const rng = new Rng(seed + 1);
  for (const [name, spec] of model.namedParameters()) {
    if (spec.kind === 'bn_weight' || spec.kind === 'running_var') values[name] = values[name]!.map(() => 0.5 + rng.uniform());
    if (spec.kind === 'bn_bias' || spec.kind === 'running_mean') values[name] = values[name]!.map(() => rng.uniform() - 0.5);
  }
  return values;
}
