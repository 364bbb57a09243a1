/**
 * Augmented views as graph ops: raw pixel values (0..255, fed as float32) are cropped, resized, flipped and
 * normalised on the device, so a step uploads one raw batch and a few numbers per sample.
 */
import { ops, type Node } from '@dogo/core';
import { colorAugment } from './color.js';

export interface Normalization {
  /** Per-channel mean and std of pixel values scaled to [0, 1]. */
  mean: readonly number[];
  std: readonly number[];
}

/** Fashion-MNIST's training-set statistics. */
export const FASHION_MNIST_NORMALIZATION: Normalization = { mean: [0.286], std: [0.353] };

/** (x / 255 - mean) / std per channel, as one scale and one shift. */
export function normalizePixels(x: Node, n: Normalization): Node {
  const c = x.shape[1]!;
  if (n.mean.length !== c || n.std.length !== c) throw new RangeError(`normalization has ${n.mean.length} means and ${n.std.length} stds for ${c} channels`);
  const g = x.graph;
  const scale = g.constant(n.std.map((s) => 1 / (255 * s)), [1, c, 1, 1]);
  const shift = g.constant(n.mean.map((m, i) => -m / n.std[i]!), [1, c, 1, 1]);
  return ops.add(ops.mul(x, scale), shift);
}

/**
 * One view: the crop boxes [N,5] applied to the raw batch, resized back to the input size, then when given
 * the colour parameters [N,6] (see color.ts; 1-channel images take brightness and contrast), then normalised.
 */
export function augmentedView(raw: Node, boxes: Node, n: Normalization, color?: Node): Node {
  const crop = ops.resizedCrop(raw, boxes, [raw.shape[2]!, raw.shape[3]!]);
  if (!color) return normalizePixels(crop, n);
  const c = raw.shape[1]!;
  const unit = colorAugment(ops.mul(crop, 1 / 255), color);
  // normalizePixels expects 0..255; fold the 255 back into its scale instead of multiplying.
  const g = raw.graph;
  const scale = g.constant(n.std.map((s) => 1 / s), [1, c, 1, 1]);
  const shift = g.constant(n.mean.map((m, i) => -m / n.std[i]!), [1, c, 1, 1]);
  return ops.add(ops.mul(unit, scale), shift);
}
