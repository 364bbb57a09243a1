/** Leaf ops: fed inputs, persistent state, constants and fills. They have no kernel; backends bind them to buffers. */
import type { DType } from '../../dtype.js';
import { defineOp, ShapeRuleError } from '../op_def.js';

type LeafAttrs = { name: string; shape: readonly number[]; dtype: DType };

function checkShape(shape: readonly number[]): void {
  for (const d of shape) if (!Number.isInteger(d) || d < 0) throw new ShapeRuleError(`dimensions must be non-negative integers, got [${shape.join(',')}]`);
}

export const input = defineOp<LeafAttrs>({
  arity: 0,
  leaf: true,
  impure: true,
  shape: (_, a) => (checkShape(a.shape), { shape: a.shape, dtype: a.dtype }),
});

export const state = defineOp<LeafAttrs>({
  arity: 0,
  leaf: true,
  impure: true,
  shape: (_, a) => (checkShape(a.shape), { shape: a.shape, dtype: a.dtype }),
});

export const constant = defineOp<{ data: Float32Array | Int32Array; shape: readonly number[]; dtype: DType }>({
  arity: 0,
  leaf: true,
  shape: (_, a) => {
    checkShape(a.shape);
    const n = a.shape.reduce((x, y) => x * y, 1);
    if (a.data.length !== n) throw new ShapeRuleError(`constant has ${a.data.length} values for shape [${a.shape.join(',')}] (${n} needed)`);
    return { shape: a.shape, dtype: a.dtype };
  },
  reference: (_, { attrs }) => (attrs.dtype === 'int32' ? Int32Array.from(attrs.data) : Float64Array.from(attrs.data)),
});

export const fill = defineOp<{ value: number; shape: readonly number[]; dtype: DType }>({
  arity: 0,
  leaf: true,
  shape: (_, a) => (checkShape(a.shape), { shape: a.shape, dtype: a.dtype }),
  reference: (_, { attrs, out }) => {
    const n = out.shape.reduce((x, y) => x * y, 1);
    return attrs.dtype === 'int32' ? new Int32Array(n).fill(attrs.value) : new Float64Array(n).fill(attrs.value);
  },
});
