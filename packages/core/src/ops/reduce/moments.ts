/**
 * moments: the mean and the biased variance of x over `axes`, stacked on a new leading axis:
 * out [2, ...x's shape with the reduced axes set to 1], out[0] the mean, out[1] the variance (two-pass:
 * Σ(x - mean)² / N). Batch normalisation's statistics are this op, so backends run them as one kernel (one
 * read of each channel for both). The kept axes must be adjacent, so x is [outer, channels, inner] with
 * outer and inner reduced (momentsView).
 */
import { formatShape, normalizeAxes, sizeOf, type Shape } from '../../shape.js';
import { defineOp, ShapeRuleError } from '../op_def.js';
import { reducedShape } from './reduce.js';

export type MomentsAttrs = { axes: readonly number[] };

/** x seen as [outer, channels, inner]: statistics per channel, over outer and inner. */
export interface MomentsView {
  readonly outer: number;
  readonly channels: number;
  readonly inner: number;
}

/** The [outer, channels, inner] view of x for moments over `axes` (the kept axes must be adjacent). */
export function momentsView(shape: Shape, axes: readonly number[]): MomentsView {
  const ax = normalizeAxes(axes, shape.length);
  const kept = shape.map((_, i) => i).filter((i) => !ax.includes(i));
  if (kept.length === 0) return { outer: sizeOf(shape), channels: 1, inner: 1 };
  const first = kept[0]!, last = kept[kept.length - 1]!;
  if (last - first + 1 !== kept.length) throw new RangeError(`moments: the axes kept (${kept.join(', ')}) must be adjacent`);
  return { outer: sizeOf(shape.slice(0, first)), channels: sizeOf(shape.slice(first, last + 1)), inner: sizeOf(shape.slice(last + 1)) };
}

export const moments = defineOp<MomentsAttrs>({
  arity: 1,
  shape: ([x], a) => {
    if (x!.dtype !== 'float32') throw new ShapeRuleError(`expects float32, got ${x!.dtype}`);
    try {
      momentsView(x!.shape, a.axes);
      return { shape: [2, ...reducedShape(x!.shape, a.axes, true)], dtype: 'float32' };
    } catch (e) {
      throw new ShapeRuleError(`${(e as Error).message} (x is ${formatShape(x!.shape)}, axes [${a.axes.join(',')}])`);
    }
  },
  reference: ([x], { attrs, inputTypes }) => {
    const { outer, channels, inner } = momentsView(inputTypes[0]!.shape, attrs.axes);
    const n = outer * inner;
    const y = new Float64Array(2 * channels);
    for (let c = 0; c < channels; c++) {
      let s = 0;
      for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) s += x![(o * channels + c) * inner + i]!;
      const mean = s / n;
      let q = 0;
      for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) q += (x![(o * channels + c) * inner + i]! - mean) ** 2;
      y[c] = mean;
      y[channels + c] = q / n;
    }
    return y;
  },
  // dx = (dmean + 2·dvar·(x - mean)) / N, the statistics' gradients broadcast over the reduced axes.
  grad: ({ b, inputs, node, dy }) => {
    const x = inputs[0]!;
    const kept = node.shape.slice(1);
    const n = sizeOf(x.shape) / sizeOf(kept);
    const part = (t: typeof node, k: number) => b.reshape(b.slice(t, [k, ...kept.map(() => 0)], [1, ...kept]), kept);
    const centered = b.sub(x, part(node, 0));
    return [b.mul(b.add(part(dy, 0), b.mul(b.mul(centered, part(dy, 1)), 2)), 1 / n)];
  },
});
