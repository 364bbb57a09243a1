/**
 * 2-D pooling in NCHW: max (padding counts as -inf; the gradient goes to the first maximum of a window)
 * and average (padding counts as zero and is included in the divisor, PyTorch's count_include_pad=True).
 */
import { formatShape } from '../../shape.js';
import { defineOp, ShapeRuleError } from '../op_def.js';
import { convOutSize } from '../conv/conv2d.js';

export type PoolAttrs = { kernel: readonly number[]; stride: readonly number[]; padding: readonly number[] };

interface PoolGeom { n: number; c: number; h: number; w: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; oh: number; ow: number }

function geometry(x: readonly number[], a: PoolAttrs): PoolGeom {
  const [n, c, h, w] = x as [number, number, number, number];
  const [kh, kw] = a.kernel as [number, number];
  const [sh, sw] = a.stride as [number, number];
  const [ph, pw] = a.padding as [number, number];
  return { n, c, h, w, kh, kw, sh, sw, ph, pw, oh: convOutSize(h, kh, sh, ph), ow: convOutSize(w, kw, sw, pw) };
}

function poolShape(x: readonly number[], a: PoolAttrs): number[] {
  if (x.length !== 4) throw new ShapeRuleError(`x must be [N,C,H,W], got ${formatShape(x)}`);
  if (a.kernel.length !== 2 || a.stride.length !== 2 || a.padding.length !== 2) throw new ShapeRuleError('kernel, stride and padding need two values each');
  const g = geometry(x, a);
  if (g.ph * 2 > g.kh || g.pw * 2 > g.kw) throw new ShapeRuleError(`padding ${g.ph},${g.pw} must be at most half the kernel ${g.kh}x${g.kw}`);
  if (g.oh < 1 || g.ow < 1) throw new ShapeRuleError(`window ${g.kh}x${g.kw} does not fit ${g.h}x${g.w}`);
  return [g.n, g.c, g.oh, g.ow];
}

/** Visits each output element with the flat input indices of its window (in-bounds taps only) and the tap count. */
function forEachWindow(g: PoolGeom, visit: (yi: number, taps: number[]) => void): void {
  const taps: number[] = [];
  for (let p = 0; p < g.n * g.c; p++)
    for (let oy = 0; oy < g.oh; oy++)
      for (let ox = 0; ox < g.ow; ox++) {
        taps.length = 0;
        for (let ky = 0; ky < g.kh; ky++) {
          const iy = oy * g.sh - g.ph + ky;
          if (iy < 0 || iy >= g.h) continue;
          for (let kx = 0; kx < g.kw; kx++) {
            const ix = ox * g.sw - g.pw + kx;
            if (ix >= 0 && ix < g.w) taps.push((p * g.h + iy) * g.w + ix);
          }
        }
        visit((p * g.oh + oy) * g.ow + ox, taps);
      }
}

export const max_pool2d = defineOp<PoolAttrs>({
  arity: 1,
  shape: ([x], a) => ({ shape: poolShape(x!.shape, a), dtype: 'float32' }),
  reference: ([x], { attrs, inputTypes, out }) => {
    const y = new Float64Array(out.shape.reduce((p, q) => p * q, 1));
    forEachWindow(geometry(inputTypes[0]!.shape, attrs), (yi, taps) => {
      let m = -Infinity;
      for (const t of taps) if (x![t]! > m) m = x![t]!;
      y[yi] = m;
    });
    return y;
  },
  grad: ({ b, inputs, attrs, dy }) => [b.node('max_pool2d_backward', [inputs[0]!, dy], attrs)],
});

/** Routes each dy element to the first maximum of its window in x. */
export const max_pool2d_backward = defineOp<PoolAttrs>({
  arity: 2,
  shape: ([x, dy], a) => {
    const s = poolShape(x!.shape, a);
    if (dy!.shape.join() !== s.join()) throw new ShapeRuleError(`dy ${formatShape(dy!.shape)} does not match the pooled shape ${formatShape(s)}`);
    return { shape: x!.shape, dtype: 'float32' };
  },
  reference: ([x, dy], { attrs, inputTypes }) => {
    const dx = new Float64Array(x!.length);
    forEachWindow(geometry(inputTypes[0]!.shape, attrs), (yi, taps) => {
      let best = -1;
      for (const t of taps) if (best < 0 || x![t]! > x![best]!) best = t;
      if (best >= 0) dx[best]! += dy![yi]!;
    });
    return dx;
  },
});

export const avg_pool2d = defineOp<PoolAttrs>({
  arity: 1,
  shape: ([x], a) => ({ shape: poolShape(x!.shape, a), dtype: 'float32' }),
  reference: ([x], { attrs, inputTypes, out }) => {
    const y = new Float64Array(out.shape.reduce((p, q) => p * q, 1));
    const g = geometry(inputTypes[0]!.shape, attrs);
    forEachWindow(g, (yi, taps) => {
      let s = 0;
      for (const t of taps) s += x![t]!;
      y[yi] = s / (g.kh * g.kw);
    });
    return y;
  },
  grad: ({ b, inputs, attrs, dy }) => [b.node('avg_pool2d_backward', [dy], { ...attrs, inputShape: inputs[0]!.shape })],
});

export const avg_pool2d_backward = defineOp<PoolAttrs & { inputShape: readonly number[] }>({
  arity: 1,
  shape: ([dy], a) => {
    const s = poolShape(a.inputShape, a);
    if (dy!.shape.join() !== s.join()) throw new ShapeRuleError(`dy ${formatShape(dy!.shape)} does not match the pooled shape ${formatShape(s)}`);
    return { shape: [...a.inputShape], dtype: 'float32' };
  },
  reference: ([dy], { attrs }) => {
    const g = geometry(attrs.inputShape, attrs);
    const dx = new Float64Array(g.n * g.c * g.h * g.w);
    forEachWindow(g, (yi, taps) => {
      for (const t of taps) dx[t]! += dy![yi]! / (g.kh * g.kw);
    });
    return dx;
  },
  grad: ({ b, attrs, dy: g }) => [b.node('avg_pool2d', [g], { kernel: attrs.kernel, stride: attrs.stride, padding: attrs.padding })],
});
