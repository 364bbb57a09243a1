/**
 * Test-only float64 oracles: naive loops for every kernel family, written for clarity, not speed.
 * Layouts match the kernels: row-major matrices, NCHW activations, OIHW weights.
 */

/** C[m,n] = op(A)·op(B); A is [m,k] or [k,m] (transA), B is [k,n] or [n,k] (transB). */
export function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, m: number, n: number, k: number, transA: boolean, transB: boolean): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[transA ? p * m + i : i * k + p]! * b[transB ? j * k + p : p * n + j]!;
      c[i * n + j] = s;
    }
  return c;
}

/** Geometry of a 2-D convolution or pooling window in NCHW. */
export interface ConvGeometry {
  n: number; c: number; h: number; w: number; o: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number; oh: number; ow: number;
}

export function convGeometry(x: readonly number[], wShape: readonly number[], stride: number, pad: number): ConvGeometry {
  const [n, c, h, w] = x as [number, number, number, number];
  const [o, , kh, kw] = wShape as [number, number, number, number];
  const oh = Math.floor((h + 2 * pad - kh) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - kw) / stride) + 1;
  return { n, c, h, w, o, kh, kw, sh: stride, sw: stride, ph: pad, pw: pad, oh, ow };
}

function forEachTap(g: ConvGeometry, visit: (yi: number, xi: number, wi: number) => void): void {
  for (let b = 0; b < g.n; b++)
    for (let oc = 0; oc < g.o; oc++)
      for (let oy = 0; oy < g.oh; oy++)
        for (let ox = 0; ox < g.ow; ox++)
          for (let ic = 0; ic < g.c; ic++)
            for (let ky = 0; ky < g.kh; ky++) {
              const iy = oy * g.sh - g.ph + ky;
              if (iy < 0 || iy >= g.h) continue;
              for (let kx = 0; kx < g.kw; kx++) {
                const ix = ox * g.sw - g.pw + kx;
                if (ix < 0 || ix >= g.w) continue;
                visit(((b * g.o + oc) * g.oh + oy) * g.ow + ox, ((b * g.c + ic) * g.h + iy) * g.w + ix, ((oc * g.c + ic) * g.kh + ky) * g.kw + kx);
              }
            }
}

export function conv2dRef(x: ArrayLike<number>, w: ArrayLike<number>, g: ConvGeometry): Float64Array {
  const y = new Float64Array(g.n * g.o * g.oh * g.ow);
  forEachTap(g, (yi, xi, wi) => (y[yi] += x[xi]! * w[wi]!));
  return y;
}

export function conv2dBackwardDataRef(dy: ArrayLike<number>, w: ArrayLike<number>, g: ConvGeometry): Float64Array {
  const dx = new Float64Array(g.n * g.c * g.h * g.w);
  forEachTap(g, (yi, xi, wi) => (dx[xi] += dy[yi]! * w[wi]!));
  return dx;
}

export function conv2dBackwardWeightRef(x: ArrayLike<number>, dy: ArrayLike<number>, g: ConvGeometry): Float64Array {
  const dw = new Float64Array(g.o * g.c * g.kh * g.kw);
  forEachTap(g, (yi, xi, wi) => (dw[wi] += dy[yi]! * x[xi]!));
  return dw;
}

/** Max (first maximum wins) or average (count_include_pad) pooling forward and backward, NCHW. */
export function pool2dRef(mode: 'max' | 'avg', x: ArrayLike<number>, shape: readonly number[], k: number, s: number, p: number, dy?: ArrayLike<number>): { y: Float64Array; dx: Float64Array } {
  const [n, c, h, w] = shape as [number, number, number, number];
  const oh = Math.floor((h + 2 * p - k) / s) + 1;
  const ow = Math.floor((w + 2 * p - k) / s) + 1;
  const y = new Float64Array(n * c * oh * ow);
  const dx = new Float64Array(n * c * h * w);
  for (let pl = 0; pl < n * c; pl++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        const yi = (pl * oh + oy) * ow + ox;
        let best = -Infinity;
        let arg = -1;
        let sum = 0;
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            const iy = oy * s - p + ky;
            const ix = ox * s - p + kx;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            const xi = (pl * h + iy) * w + ix;
            sum += x[xi]!;
            if (arg < 0 || x[xi]! > best) {
              best = x[xi]!;
              arg = xi;
            }
            if (mode === 'avg' && dy) dx[xi] += dy[yi]! / (k * k);
          }
        y[yi] = mode === 'max' ? best : sum / (k * k);
        if (mode === 'max' && dy) dx[arg] += dy[yi]!;
      }
  return { y, dx };
}
