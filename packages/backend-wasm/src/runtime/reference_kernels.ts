/**
 * Naive float64 loops with the same contracts as the wasm kernels: the oracle of this package's tests
 * and benchmarks. Slow on purpose (no blocking, no tricks); not used on any run-time path.
 */

/** ||got - want||_2 / max(||want||_2, 1e-12), the conformance-vector error measure. */
export function relativeL2(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let k = 0; k < want.length; k++) {
    const d = got[k] - want[k];
    num += d * d;
    den += want[k] * want[k];
    if (!Number.isFinite(got[k]) && Number.isFinite(want[k])) return Infinity;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);
}

/** C = op(A) . op(B) with leading dimensions; returns C [m, n] packed. */
export function refGemm(m: number, n: number, k: number, a: ArrayLike<number>, lda: number, b: ArrayLike<number>, ldb: number,
  transposeA = false, transposeB = false): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let q = 0; q < k; q++) {
        acc += (transposeA ? a[q * lda + i] : a[i * lda + q]) * (transposeB ? b[j * ldb + q] : b[q * ldb + j]);
      }
      c[i * n + j] = acc;
    }
  }
  return c;
}

/** Convolution geometry for the reference loops. */
export interface RefConv {
  n: number; c: number; h: number; w: number; o: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number;
}

/** Output size of a convolution. */
export function refConvOut(g: RefConv): { oh: number; ow: number } {
  return { oh: Math.floor((g.h + 2 * g.ph - g.kh) / g.sh) + 1, ow: Math.floor((g.w + 2 * g.pw - g.kw) / g.sw) + 1 };
}

// Calls f(n, o, c, oh, ow, kh, kw, xIndex, wIndex, yIndex) for every in-bounds tap.
function eachTap(g: RefConv, f: (xi: number, wi: number, yi: number) => void): void {
  const { oh: OH, ow: OW } = refConvOut(g);
  for (let n = 0; n < g.n; n++) for (let o = 0; o < g.o; o++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    const yi = ((n * g.o + o) * OH + oh) * OW + ow;
    for (let c = 0; c < g.c; c++) for (let kh = 0; kh < g.kh; kh++) {
      const ih = oh * g.sh - g.ph + kh;
      if (ih < 0 || ih >= g.h) continue;
      for (let kw = 0; kw < g.kw; kw++) {
        const iw = ow * g.sw - g.pw + kw;
        if (iw < 0 || iw >= g.w) continue;
        f(((n * g.c + c) * g.h + ih) * g.w + iw, ((o * g.c + c) * g.kh + kh) * g.kw + kw, yi);
      }
    }
  }
}

/** y = conv(x, w). */
export function refConv2dForward(g: RefConv, x: ArrayLike<number>, w: ArrayLike<number>): Float64Array {
  const { oh, ow } = refConvOut(g);
  const y = new Float64Array(g.n * g.o * oh * ow);
  eachTap(g, (xi, wi, yi) => { y[yi] += x[xi] * w[wi]; });
  return y;
}

/** dx of a convolution. */
export function refConv2dBackwardData(g: RefConv, dy: ArrayLike<number>, w: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(g.n * g.c * g.h * g.w);
  eachTap(g, (xi, wi, yi) => { dx[xi] += dy[yi] * w[wi]; });
  return dx;
}

/** dw of a convolution. */
export function refConv2dBackwardWeight(g: RefConv, x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const dw = new Float64Array(g.o * g.c * g.kh * g.kw);
  eachTap(g, (xi, wi, yi) => { dw[wi] += x[xi] * dy[yi]; });
  return dw;
}

/** Pooling geometry for the reference loops. */
export interface RefPool { planes: number; h: number; w: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number }

function eachWindow(g: RefPool, f: (plane: number, out: number, taps: number[], padded: number) => void): void {
  const oh = Math.floor((g.h + 2 * g.ph - g.kh) / g.sh) + 1, ow = Math.floor((g.w + 2 * g.pw - g.kw) / g.sw) + 1;
  for (let p = 0; p < g.planes; p++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    const hs = i * g.sh - g.ph, ws = j * g.sw - g.pw;
    const taps: number[] = [];
    for (let a = hs; a < hs + g.kh; a++) for (let b = ws; b < ws + g.kw; b++) {
      if (a >= 0 && a < g.h && b >= 0 && b < g.w) taps.push(p * g.h * g.w + a * g.w + b);
    }
    const padded = (Math.min(hs + g.kh, g.h + g.ph) - hs) * (Math.min(ws + g.kw, g.w + g.pw) - ws);
    f(p, (p * oh + i) * ow + j, taps, padded);
  }
}

/** Max pooling forward and backward (first maximum gets the gradient). */
export function refMaxPool(g: RefPool, x: ArrayLike<number>, dy?: ArrayLike<number>): { y: number[]; dx: Float64Array } {
  const y: number[] = [];
  const dx = new Float64Array(g.planes * g.h * g.w);
  eachWindow(g, (_p, out, taps) => {
    let best = taps[0];
    for (const t of taps) if (x[t] > x[best]) best = t;
    y[out] = x[best];
    if (dy) dx[best] += dy[out];
  });
  return { y, dx };
}

/** Average pooling forward and backward. */
export function refAvgPool(g: RefPool, x: ArrayLike<number>, dy?: ArrayLike<number>, countIncludePad = true): { y: number[]; dx: Float64Array } {
  const y: number[] = [];
  const dx = new Float64Array(g.planes * g.h * g.w);
  eachWindow(g, (_p, out, taps, padded) => {
    const div = countIncludePad ? padded : taps.length;
    y[out] = taps.reduce((s, t) => s + x[t], 0) / div;
    if (dy) for (const t of taps) dx[t] += dy[out] / div;
  });
  return { y, dx };
}

/** Deterministic pseudo-random floats in [-1, 1) (xorshift), for reproducible tests. */
export function randomFloats(count: number, seed = 1): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0 || 1;
  for (let k = 0; k < count; k++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[k] = s / 2147483648 - 1;
  }
  return out;
}
