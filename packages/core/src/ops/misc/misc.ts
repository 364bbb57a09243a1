/** Small ops: stop_gradient, one_hot, cast. */
import { defineOp, ShapeRuleError } from '../op_def.js';
import type { DType } from '../../dtype.js';

/** Identity in the forward pass; no gradient flows through it. */
export const stop_gradient = defineOp<Record<never, never>>({
  arity: 1,
  shape: ([x]) => x!,
  reference: ([x]) => x!.slice(),
  grad: () => [null],
});

/** int32 class indices [N] to float32 rows [N, depth]; an index outside [0, depth) gives a zero row. */
export const one_hot = defineOp<{ depth: number }>({
  arity: 1,
  zeroGradient: true,
  shape: ([x], a) => {
    if (x!.dtype !== 'int32') throw new ShapeRuleError(`indices must be int32, got ${x!.dtype}`);
    if (!Number.isInteger(a.depth) || a.depth < 1) throw new ShapeRuleError(`depth must be a positive integer, got ${a.depth}`);
    return { shape: [...x!.shape, a.depth], dtype: 'float32' };
  },
  reference: ([x], { attrs }) => {
    const y = new Float64Array(x!.length * attrs.depth);
    for (let i = 0; i < x!.length; i++) {
      const c = x![i]!;
      if (c >= 0 && c < attrs.depth) y[i * attrs.depth + c] = 1;
    }
    return y;
  },
});

/** Element type conversion; float to int truncates toward zero. */
export const cast = defineOp<{ dtype: DType }>({
  arity: 1,
  zeroGradient: true,
  shape: ([x], a) => ({ shape: x!.shape, dtype: a.dtype }),
  reference: ([x], { attrs }) => (attrs.dtype === 'int32' ? Int32Array.from(x!, (v) => Math.trunc(v)) : Float64Array.from(x!)),
});
