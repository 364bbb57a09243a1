/**
 * Layout ops: reshape, transpose, broadcast_to, concat, slice and pad. Each gradient is another layout op
 * (or a sum for broadcast_to), so layout never needs a kernel of its own for backward.
 */
import { broadcastShapes, formatShape, shapesEqual, sizeOf, stridesOf } from '../../shape.js';
import { defineOp, ShapeRuleError, type RefArray } from '../op_def.js';
import { allocRef, broadcastIndexer } from '../ref_util.js';

export const reshape = defineOp<{ shape: readonly number[] }>({
  arity: 1,
  shape: ([x], a) => {
    if (sizeOf(a.shape) !== sizeOf(x!.shape)) throw new ShapeRuleError(`cannot reshape ${formatShape(x!.shape)} (${sizeOf(x!.shape)} elements) to ${formatShape(a.shape)}`);
    return { shape: [...a.shape], dtype: x!.dtype };
  },
  reference: ([x]) => x!.slice(),
  grad: ({ b, inputs, dy }) => [b.reshape(dy, inputs[0]!.shape)],
});

export const transpose = defineOp<{ perm: readonly number[] }>({
  arity: 1,
  shape: ([x], a) => {
    const r = x!.shape.length;
    if (a.perm.length !== r || [...a.perm].sort((p, q) => p - q).some((p, i) => p !== i)) {
      throw new ShapeRuleError(`perm [${a.perm.join(',')}] is not a permutation of ${r} axes`);
    }
    return { shape: a.perm.map((p) => x!.shape[p]!), dtype: x!.dtype };
  },
  reference: ([x], { attrs, inputTypes, out }) => {
    const inStrides = stridesOf(inputTypes[0]!.shape);
    const outStrides = stridesOf(out.shape);
    const y = allocRef(out.shape, out.dtype);
    const n = y.length;
    for (let o = 0; o < n; o++) {
      let rem = o;
      let i = 0;
      for (let d = 0; d < out.shape.length; d++) {
        const q = Math.floor(rem / outStrides[d]!);
        rem -= q * outStrides[d]!;
        i += q * inStrides[attrs.perm[d]!]!;
      }
      y[o] = x![i]!;
    }
    return y;
  },
  grad: ({ b, attrs, dy }) => {
    const inv = new Array<number>(attrs.perm.length);
    attrs.perm.forEach((p, i) => (inv[p] = i));
    return [b.transpose(dy, inv)];
  },
});

export const broadcast_to = defineOp<{ shape: readonly number[] }>({
  arity: 1,
  shape: ([x], a) => {
    const s = broadcastShapes(x!.shape, a.shape);
    if (!s || !shapesEqual(s, a.shape)) throw new ShapeRuleError(`cannot broadcast ${formatShape(x!.shape)} to ${formatShape(a.shape)}`);
    return { shape: [...a.shape], dtype: x!.dtype };
  },
  reference: ([x], { inputTypes, out }) => {
    const idx = broadcastIndexer(inputTypes[0]!.shape, out.shape);
    const y = allocRef(out.shape, out.dtype);
    for (let i = 0; i < y.length; i++) y[i] = x![idx(i)]!;
    return y;
  },
  grad: ({ b, inputs, dy }) => [b.sumTo(dy, inputs[0]!.shape)],
});

export const concat = defineOp<{ axis: number }>({
  arity: 'variadic',
  shape: (xs, a) => {
    if (xs.length === 0) throw new ShapeRuleError('needs at least one input');
    const first = xs[0]!;
    const axis = a.axis < 0 ? a.axis + first.shape.length : a.axis;
    if (axis < 0 || axis >= first.shape.length) throw new ShapeRuleError(`axis ${a.axis} out of range for rank ${first.shape.length}`);
    let total = 0;
    for (const x of xs) {
      if (x.dtype !== first.dtype || x.shape.length !== first.shape.length || x.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
        throw new ShapeRuleError(`inputs must agree on every axis but ${axis}`);
      }
      total += x.shape[axis]!;
    }
    const shape = [...first.shape];
    shape[axis] = total;
    return { shape, dtype: first.dtype };
  },
  reference: (xs, { attrs, inputTypes, out }) => {
    const axis = attrs.axis < 0 ? attrs.axis + out.shape.length : attrs.axis;
    const outer = sizeOf(out.shape.slice(0, axis));
    const inner = sizeOf(out.shape.slice(axis + 1));
    const y = allocRef(out.shape, out.dtype);
    const rowOut = out.shape[axis]! * inner;
    let offset = 0;
    xs.forEach((x, k) => {
      const rowIn = inputTypes[k]!.shape[axis]! * inner;
      for (let o = 0; o < outer; o++) for (let j = 0; j < rowIn; j++) y[o * rowOut + offset + j] = x[o * rowIn + j]!;
      offset += rowIn;
    });
    return y;
  },
  grad: ({ b, inputs, attrs, dy }) => {
    const axis = attrs.axis < 0 ? attrs.axis + dy.shape.length : attrs.axis;
    let start = 0;
    return inputs.map((x) => {
      const begin = x.shape.map((_, i) => (i === axis ? start : 0));
      start += x.shape[axis]!;
      return b.slice(dy, begin, x.shape);
    });
  },
});

export const slice = defineOp<{ begin: readonly number[]; size: readonly number[] }>({
  arity: 1,
  shape: ([x], a) => {
    const s = x!.shape;
    if (a.begin.length !== s.length || a.size.length !== s.length || s.some((d, i) => a.begin[i]! < 0 || a.size[i]! < 0 || a.begin[i]! + a.size[i]! > d)) {
      throw new ShapeRuleError(`slice begin [${a.begin.join(',')}] size [${a.size.join(',')}] does not fit ${formatShape(s)}`);
    }
    return { shape: [...a.size], dtype: x!.dtype };
  },
  reference: ([x], { attrs, inputTypes, out }) => {
    const inStrides = stridesOf(inputTypes[0]!.shape);
    const outStrides = stridesOf(out.shape);
    const y: RefArray = allocRef(out.shape, out.dtype);
    for (let o = 0; o < y.length; o++) {
      let rem = o;
      let i = 0;
      for (let d = 0; d < out.shape.length; d++) {
        const q = Math.floor(rem / outStrides[d]!);
        rem -= q * outStrides[d]!;
        i += (q + attrs.begin[d]!) * inStrides[d]!;
      }
      y[o] = x![i]!;
    }
    return y;
  },
  grad: ({ b, inputs, attrs, dy }) => {
    const s = inputs[0]!.shape;
    return [b.pad(dy, attrs.begin, s.map((d, i) => d - attrs.begin[i]! - attrs.size[i]!))];
  },
});

/** Zero padding before and after each axis. */
export const pad = defineOp<{ before: readonly number[]; after: readonly number[] }>({
  arity: 1,
  shape: ([x], a) => {
    const s = x!.shape;
    if (a.before.length !== s.length || a.after.length !== s.length || [...a.before, ...a.after].some((p) => p < 0 || !Number.isInteger(p))) {
      throw new ShapeRuleError(`pad before [${a.before.join(',')}] after [${a.after.join(',')}] does not fit rank ${s.length}`);
    }
    return { shape: s.map((d, i) => d + a.before[i]! + a.after[i]!), dtype: x!.dtype };
  },
  reference: ([x], { attrs, inputTypes, out }) => {
    const inShape = inputTypes[0]!.shape;
    const inStrides = stridesOf(inShape);
    const outStrides = stridesOf(out.shape);
    const y = allocRef(out.shape, out.dtype);
    for (let i = 0; i < x!.length; i++) {
      let rem = i;
      let o = 0;
      for (let d = 0; d < inShape.length; d++) {
        const q = Math.floor(rem / inStrides[d]!);
        rem -= q * inStrides[d]!;
        o += (q + attrs.before[d]!) * outStrides[d]!;
      }
      y[o] = x![i]!;
    }
    return y;
  },
  grad: ({ b, inputs, attrs, dy }) => [b.slice(dy, attrs.before, inputs[0]!.shape)],
});
