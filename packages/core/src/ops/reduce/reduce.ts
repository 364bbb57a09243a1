/**
 * Reductions over a set of axes: sum and max, with or without kept dimensions.
 * mean, variance and norms are composites (graph/builder.ts), so they need no gradient of their own.
 */
import { normalizeAxes, sizeOf, stridesOf, type Shape } from '../../shape.js';
import { defineOp, ShapeRuleError, type RefArray, type TensorType } from '../op_def.js';

type ReduceAttrs = { axes: readonly number[]; keepdims: boolean };

function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): number[] {
  const ax = normalizeAxes(axes, shape.length);
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (ax.includes(i)) {
      if (keepdims) out.push(1);
    } else out.push(d);
  });
  return out;
}

function reduceShapeRule([x]: readonly TensorType[], a: ReduceAttrs): TensorType {
  if (x!.dtype !== 'float32') throw new ShapeRuleError(`expects float32, got ${x!.dtype}`);
  try {
    return { shape: reducedShape(x!.shape, a.axes, a.keepdims), dtype: 'float32' };
  } catch (e) {
    throw new ShapeRuleError((e as Error).message);
  }
}

/** Calls visit(outIndex, inIndex) for every input element. */
function forEachReduced(shape: Shape, axes: readonly number[], visit: (o: number, i: number) => void): void {
  const ax = normalizeAxes(axes, shape.length);
  const keptShape = shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const keptStrides = stridesOf(keptShape);
  const strides = stridesOf(shape);
  const n = sizeOf(shape);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let o = 0;
    for (let d = 0; d < shape.length; d++) {
      const q = Math.floor(rem / strides[d]!);
      rem -= q * strides[d]!;
      if (!ax.includes(d)) o += q * keptStrides[d]!;
    }
    visit(o, i);
  }
}

export const sum = defineOp<ReduceAttrs>({
  arity: 1,
  shape: reduceShapeRule,
  reference: ([x], { attrs, inputTypes, out }) => {
    const y = new Float64Array(sizeOf(out.shape));
    forEachReduced(inputTypes[0]!.shape, attrs.axes, (o, i) => (y[o]! += x![i]!));
    return y;
  },
  grad: ({ b, inputs, attrs, dy }) => {
    const x = inputs[0]!;
    const kept = reducedShape(x.shape, attrs.axes, true);
    return [b.broadcastTo(b.reshape(dy, kept), x.shape)];
  },
});

export const max = defineOp<ReduceAttrs>({
  arity: 1,
  shape: reduceShapeRule,
  reference: ([x], { attrs, inputTypes, out }): RefArray => {
    const y = new Float64Array(sizeOf(out.shape)).fill(-Infinity);
    forEachReduced(inputTypes[0]!.shape, attrs.axes, (o, i) => {
      if (x![i]! > y[o]! || Number.isNaN(x![i]!)) y[o] = x![i]!;
    });
    return y;
  },
  // Ties share the gradient evenly, as PyTorch's amax does.
  grad: ({ b, inputs, attrs, node, dy }) => {
    const x = inputs[0]!;
    const kept = reducedShape(x.shape, attrs.axes, true);
    const mask = b.equal(x, b.reshape(node, kept));
    const count = b.sum(mask, attrs.axes, true);
    return [b.mul(b.reshape(dy, kept), b.div(mask, count))];
  },
});

export { reducedShape };
