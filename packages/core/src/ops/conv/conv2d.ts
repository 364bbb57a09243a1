/**
 * 2-D convolution in NCHW with weights [O, C, KH, KW], stride and zero padding (no groups, no dilation),
 * and its two backward ops. Bias is a separate add (see the conv2d composite in graph/builder.ts).
 */
import { formatShape } from '../../shape.js';
import { defineOp, ShapeRuleError } from '../op_def.js';

export type ConvAttrs = { stride: readonly number[]; padding: readonly number[] };

export function convOutSize(inSize: number, k: number, stride: number, pad: number): number {
  return Math.floor((inSize + 2 * pad - k) / stride) + 1;
}

interface ConvGeom {
  n: number; c: number; h: number; w: number; o: number; kh: number; kw: number; oh: number; ow: number; sh: number; sw: number; ph: number; pw: number;
}

function geometry(x: readonly number[], wt: readonly number[], a: ConvAttrs): ConvGeom {
  const [n, c, h, w] = x as [number, number, number, number];
  const [o, , kh, kw] = wt as [number, number, number, number];
  const [sh, sw] = a.stride as [number, number];
  const [ph, pw] = a.padding as [number, number];
  return { n, c, h, w, o, kh, kw, sh, sw, ph, pw, oh: convOutSize(h, kh, sh, ph), ow: convOutSize(w, kw, sw, pw) };
}

function checkConv(x: readonly number[], wt: readonly number[], a: ConvAttrs): ConvGeom {
  if (x.length !== 4 || wt.length !== 4) throw new ShapeRuleError(`x must be [N,C,H,W] and weight [O,C,KH,KW], got ${formatShape(x)} and ${formatShape(wt)}`);
  if (a.stride.length !== 2 || a.padding.length !== 2 || a.stride.some((s) => s < 1) || a.padding.some((p) => p < 0)) {
    throw new ShapeRuleError(`stride [${a.stride.join(',')}] and padding [${a.padding.join(',')}] must be two positive / non-negative integers`);
  }
  if (x[1] !== wt[1]) throw new ShapeRuleError(`input channels differ: x has ${x[1]}, weight expects ${wt[1]}`);
  const g = geometry(x, wt, a);
  if (g.oh < 1 || g.ow < 1) throw new ShapeRuleError(`kernel ${g.kh}x${g.kw} does not fit input ${g.h}x${g.w} with padding ${g.ph},${g.pw}`);
  return g;
}

/** Visits every (output element, input element, weight element) triple of a convolution. */
function forEachTap(g: ConvGeom, visit: (yi: number, xi: number, wi: number) => void): void {
  for (let b = 0; b < g.n; b++)
    for (let oc = 0; oc < g.o; oc++)
      for (let oy = 0; oy < g.oh; oy++)
        for (let ox = 0; ox < g.ow; ox++) {
          const yi = ((b * g.o + oc) * g.oh + oy) * g.ow + ox;
          for (let ic = 0; ic < g.c; ic++)
            for (let ky = 0; ky < g.kh; ky++) {
              const iy = oy * g.sh - g.ph + ky;
              if (iy < 0 || iy >= g.h) continue;
              for (let kx = 0; kx < g.kw; kx++) {
                const ix = ox * g.sw - g.pw + kx;
                if (ix < 0 || ix >= g.w) continue;
                visit(yi, ((b * g.c + ic) * g.h + iy) * g.w + ix, ((oc * g.c + ic) * g.kh + ky) * g.kw + kx);
              }
            }
        }
}

export const conv2d = defineOp<ConvAttrs>({
  arity: 2,
  shape: ([x, w], a) => {
    const g = checkConv(x!.shape, w!.shape, a);
    return { shape: [g.n, g.o, g.oh, g.ow], dtype: 'float32' };
  },
  reference: ([x, w], { attrs, inputTypes, out }) => {
    const g = geometry(inputTypes[0]!.shape, inputTypes[1]!.shape, attrs);
    const y = new Float64Array(out.shape.reduce((p, q) => p * q, 1));
    forEachTap(g, (yi, xi, wi) => (y[yi]! += x![xi]! * w![wi]!));
    return y;
  },
  grad: ({ b, inputs, attrs, dy }) => {
    const [x, w] = inputs as [typeof dy, typeof dy];
    return [b.conv2dBackwardData(dy, w, attrs, x.shape), b.conv2dBackwardWeight(x, dy, attrs, w.shape)];
  },
});

/** dx of a convolution: inputs dy [N,O,OH,OW] and weight; attrs add the input shape. */
export const conv2d_backward_data = defineOp<ConvAttrs & { inputShape: readonly number[] }>({
  arity: 2,
  shape: ([dy, w], a) => {
    const g = checkConv(a.inputShape, w!.shape, a);
    if (dy!.shape.join() !== [g.n, g.o, g.oh, g.ow].join()) throw new ShapeRuleError(`dy ${formatShape(dy!.shape)} does not match the forward output [${g.n},${g.o},${g.oh},${g.ow}]`);
    return { shape: [...a.inputShape], dtype: 'float32' };
  },
  reference: ([dy, w], { attrs, inputTypes }) => {
    const g = geometry(attrs.inputShape, inputTypes[1]!.shape, attrs);
    const dx = new Float64Array(g.n * g.c * g.h * g.w);
    forEachTap(g, (yi, xi, wi) => (dx[xi]! += dy![yi]! * w![wi]!));
    return dx;
  },
  grad: ({ b, inputs, attrs, dy: g }) => {
    const [dy, w] = inputs as [typeof g, typeof g];
    const conv = { stride: attrs.stride, padding: attrs.padding };
    return [b.conv2d(g, w, conv), b.conv2dBackwardWeight(g, dy, conv, w.shape)];
  },
});

/** dw of a convolution: inputs x and dy; attrs add the weight shape. */
export const conv2d_backward_weight = defineOp<ConvAttrs & { weightShape: readonly number[] }>({
  arity: 2,
  shape: ([x, dy], a) => {
    const g = checkConv(x!.shape, a.weightShape, a);
    if (dy!.shape.join() !== [g.n, g.o, g.oh, g.ow].join()) throw new ShapeRuleError(`dy ${formatShape(dy!.shape)} does not match the forward output [${g.n},${g.o},${g.oh},${g.ow}]`);
    return { shape: [...a.weightShape], dtype: 'float32' };
  },
  reference: ([x, dy], { attrs, inputTypes }) => {
    const g = geometry(inputTypes[0]!.shape, attrs.weightShape, attrs);
    const dw = new Float64Array(g.o * g.c * g.kh * g.kw);
    forEachTap(g, (yi, xi, wi) => (dw[wi]! += dy![yi]! * x![xi]!));
    return dw;
  },
  grad: ({ b, inputs, attrs, dy: g }) => {
    const [x, dy] = inputs as [typeof g, typeof g];
    const conv = { stride: attrs.stride, padding: attrs.padding };
    return [b.conv2dBackwardData(dy, g, conv, x.shape), b.conv2d(x, g, conv)];
  },
});
