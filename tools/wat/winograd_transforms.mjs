// Winograd minimal-filtering transforms F(m x m, 3 x 3) (Lavin & Gray 2015), as data and as straight-line
// programs (internal to the build; winograd.mjs emits WAT from the programs).
//
// A variant computes an m x m output tile from an alpha x alpha input tile (alpha = m + 2):
//   Y = AT [ (G g GT) . (BT d B) ] A
// with g the 3 x 3 filter, d the input tile, `.` the elementwise product. BT, G, AT are the matrices below
// (rows as arrays). Its adjoint gives the filter gradient of one tile: dg = GT [ (A dY AT) . (BT d B) ] G,
// summed over tiles. The input transform (BT), the output transform (AT) and its adjoint (A = AT
// transposed, m values in, alpha out) run as programs over an `ops` interface (add, sub, neg, scale(a, k) =
// a*k, madd(a, k, b) = a*k + b) so one text serves the WAT emitter (f32x4 values) and the check below
// (numbers): checkPrograms() evaluates every program on unit vectors and compares it with its matrix, so a
// program and its matrix cannot disagree. The filter transform and its adjoint run in float64 from G.
//
// Interpolation points: F(2,3) 0, 1, -1, inf; F(4,3) 0, 1, -1, 2, -2, inf; F(6,3) adds 1/2, -1/2. Larger
// tiles cut more multiplies (F(2,3) 2.25x fewer than direct, F(4,3) 4x, F(6,3) 5.06x) but lose float32
// accuracy (the transforms' coefficients grow); packages/backend-wasm/README.md has the measured errors.

/**
 * @typedef {{ add: (a: any, b: any) => any, sub: (a: any, b: any) => any, neg: (a: any) => any,
 *   scale: (a: any, k: number) => any, madd: (a: any, k: number, b: any) => any }} Ops
 */

/**
 * @typedef {{ m: number, alpha: number, BT: number[][], G: number[][], AT: number[][],
 *   input: (d: any[], o: Ops) => any[], output: (v: any[], o: Ops) => any[], outputAdjoint: (d: any[], o: Ops) => any[] }} WinogradTransform
 */

/** The variants by name: the output tile edge m, the input tile edge alpha, matrices and programs. */
export const WINOGRAD_TRANSFORMS = /** @type {Record<'f2' | 'f4' | 'f6', WinogradTransform>} */ ({
  f2: {
    m: 2,
    alpha: 4,
    BT: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
    G: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
    AT: [[1, 1, 1, 0], [0, 1, -1, -1]],
    input: ([d0, d1, d2, d3], o) => [o.sub(d0, d2), o.add(d1, d2), o.sub(d2, d1), o.sub(d1, d3)],
    output: ([m0, m1, m2, m3], o) => [o.add(o.add(m0, m1), m2), o.sub(o.sub(m1, m2), m3)],
    outputAdjoint: ([d0, d1], o) => [d0, o.add(d0, d1), o.sub(d0, d1), o.neg(d1)],
  },
  f4: {
    m: 4,
    alpha: 6,
    BT: [
      [4, 0, -5, 0, 1, 0],
      [0, -4, -4, 1, 1, 0],
      [0, 4, -4, -1, 1, 0],
      [0, -2, -1, 2, 1, 0],
      [0, 2, -1, -2, 1, 0],
      [0, 4, 0, -5, 0, 1],
    ],
    G: [
      [1 / 4, 0, 0],
      [-1 / 6, -1 / 6, -1 / 6],
      [-1 / 6, 1 / 6, -1 / 6],
      [1 / 24, 1 / 12, 1 / 6],
      [1 / 24, -1 / 12, 1 / 6],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 1, 1, 0],
      [0, 1, -1, 2, -2, 0],
      [0, 1, 1, 4, 4, 0],
      [0, 1, -1, 8, -8, 1],
    ],
    input: ([d0, d1, d2, d3, d4, d5], o) => {
      const s12 = o.add(d1, d2), s34 = o.add(d3, d4), a12 = o.sub(d1, d2), a43 = o.sub(d4, d3);
      const a42 = o.sub(d4, d2), a31 = o.sub(d3, d1);
      return [
        o.madd(d0, 4, o.madd(d2, -5, d4)),
        o.madd(s12, -4, s34),
        o.madd(a12, 4, a43),
        o.madd(a31, 2, a42),
        o.madd(a31, -2, a42),
        o.madd(d1, 4, o.madd(d3, -5, d5)),
      ];
    },
    output: ([m0, m1, m2, m3, m4, m5], o) => {
      const p12 = o.add(m1, m2), q12 = o.sub(m1, m2), p34 = o.add(m3, m4), q34 = o.sub(m3, m4);
      return [o.add(o.add(m0, p12), p34), o.madd(q34, 2, q12), o.madd(p34, 4, p12), o.add(o.madd(q34, 8, q12), m5)];
    },
    outputAdjoint: ([d0, d1, d2, d3], o) => {
      const e = o.add(d0, d2), od = o.add(d1, d3), e2 = o.madd(d2, 4, d0), o2 = o.madd(d3, 8, o.add(d1, d1));
      return [d0, o.add(e, od), o.sub(e, od), o.add(e2, o2), o.sub(e2, o2), d3];
    },
  },
  f6: {
    m: 6,
    alpha: 8,
    // points 0, -1, 1, 1/2, -1/2, 2, -2, inf (wincnn's ordering)
    BT: [
      [1, 0, -21 / 4, 0, 21 / 4, 0, -1, 0],
      [0, 1, 1, -17 / 4, -17 / 4, 1, 1, 0],
      [0, -1, 1, 17 / 4, -17 / 4, -1, 1, 0],
      [0, 1 / 2, 1 / 4, -5 / 2, -5 / 4, 2, 1, 0],
      [0, -1 / 2, 1 / 4, 5 / 2, -5 / 4, -2, 1, 0],
      [0, 2, 4, -5 / 2, -5, 1 / 2, 1, 0],
      [0, -2, 4, 5 / 2, -5, -1 / 2, 1, 0],
      [0, -1, 0, 21 / 4, 0, -21 / 4, 0, 1],
    ],
    G: [
      [1, 0, 0],
      [-2 / 9, -2 / 9, -2 / 9],
      [-2 / 9, 2 / 9, -2 / 9],
      [1 / 90, 1 / 45, 2 / 45],
      [1 / 90, -1 / 45, 2 / 45],
      [32 / 45, 16 / 45, 8 / 45],
      [32 / 45, -16 / 45, 8 / 45],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 1, 1, 1, 1, 0],
      [0, 1, -1, 2, -2, 1 / 2, -1 / 2, 0],
      [0, 1, 1, 4, 4, 1 / 4, 1 / 4, 0],
      [0, 1, -1, 8, -8, 1 / 8, -1 / 8, 0],
      [0, 1, 1, 16, 16, 1 / 16, 1 / 16, 0],
      [0, 1, -1, 32, -32, 1 / 32, -1 / 32, 1],
    ],
    input: ([d0, d1, d2, d3, d4, d5, d6, d7], o) => {
      // rows 1/2, 3/4, 5/6 are sums and differences of an even part (d2, d4, d6) and an odd part (d1, d3, d5)
      const e1 = o.madd(d4, -17 / 4, o.add(d2, d6)), o1 = o.madd(d3, -17 / 4, o.add(d1, d5));
      const e3 = o.madd(d4, -5 / 4, o.madd(d2, 1 / 4, d6)), o3 = o.madd(d3, -5 / 2, o.madd(d1, 1 / 2, o.add(d5, d5)));
      const e5 = o.madd(d4, -5, o.madd(d2, 4, d6)), o5 = o.madd(d3, -5 / 2, o.madd(d5, 1 / 2, o.add(d1, d1)));
      return [
        o.madd(o.sub(d4, d2), 21 / 4, o.sub(d0, d6)),
        o.add(e1, o1),
        o.sub(e1, o1),
        o.add(e3, o3),
        o.sub(e3, o3),
        o.add(e5, o5),
        o.sub(e5, o5),
        o.madd(o.sub(d3, d5), 21 / 4, o.sub(d7, d1)),
      ];
    },
    output: ([m0, m1, m2, m3, m4, m5, m6, m7], o) => {
      const p12 = o.add(m1, m2), q12 = o.sub(m1, m2), p34 = o.add(m3, m4), q34 = o.sub(m3, m4);
      const p56 = o.add(m5, m6), q56 = o.sub(m5, m6);
      return [
        o.add(o.add(o.add(m0, p12), p34), p56),
        o.madd(q56, 1 / 2, o.madd(q34, 2, q12)),
        o.madd(p56, 1 / 4, o.madd(p34, 4, p12)),
        o.madd(q56, 1 / 8, o.madd(q34, 8, q12)),
        o.madd(p56, 1 / 16, o.madd(p34, 16, p12)),
        o.add(o.madd(q56, 1 / 32, o.madd(q34, 32, q12)), m7),
      ];
    },
    outputAdjoint: ([d0, d1, d2, d3, d4, d5], o) => {
      const e1 = o.add(o.add(d0, d2), d4), o1 = o.add(o.add(d1, d3), d5);
      const e3 = o.madd(d4, 16, o.madd(d2, 4, d0)), o3 = o.madd(d5, 32, o.madd(d3, 8, o.add(d1, d1)));
      const e5 = o.madd(d4, 1 / 16, o.madd(d2, 1 / 4, d0)), o5 = o.madd(d1, 1 / 2, o.madd(d3, 1 / 8, o.scale(d5, 1 / 32)));
      return [d0, o.add(e1, o1), o.sub(e1, o1), o.add(e3, o3), o.sub(e3, o3), o.add(e5, o5), o.sub(e5, o5), d5];
    },
  },
});

/** The ops interface over numbers (for the check and for float64 reference transforms). */
export const NUMBER_OPS = /** @type {Ops} */ ({ add: (a, b) => a + b, sub: (a, b) => a - b, neg: (a) => -a, scale: (a, k) => a * k, madd: (a, k, b) => a * k + b });

/** A matrix transposed. */
export const transpose = (/** @type {number[][]} */ mat) => mat[0].map((_, j) => mat.map((row) => row[j]));

/**
 * Throws when a program disagrees with its matrix (evaluated on every unit vector) or when the matrices do
 * not compute a correlation: AT [(G g) . (BT d)] must equal y_i = sum_k g_k d_(i+k) (1-D, random integers).
 */
export function checkPrograms() {
  for (const [name, t] of Object.entries(WINOGRAD_TRANSFORMS)) {
    for (const [which, matrix, program] of /** @type {const} */ ([['input', t.BT, t.input], ['output', t.AT, t.output], ['output adjoint', transpose(t.AT), t.outputAdjoint]])) {
      const cols = matrix[0].length;
      for (let j = 0; j < cols; j++) {
        const unit = Array.from({ length: cols }, (_, q) => (q === j ? 1 : 0));
        const got = program(unit, NUMBER_OPS);
        if (got.length !== matrix.length) throw new Error(`winograd ${name} ${which}: ${got.length} outputs, matrix has ${matrix.length} rows`);
        matrix.forEach((row, r) => {
          if (Math.abs(got[r] - row[j]) > 1e-12) throw new Error(`winograd ${name} ${which} program: entry (${r}, ${j}) is ${got[r]}, the matrix says ${row[j]}`);
        });
      }
    }
    for (let trial = 0; trial < 4; trial++) {
      const g = [0, 1, 2].map((k) => ((trial * 7 + k * 5) % 11) - 5);
      const d = Array.from({ length: t.alpha }, (_, k) => ((trial * 3 + k * 7) % 13) - 6);
      const u = t.G.map((row) => row.reduce((a, c, k) => a + c * g[k], 0));
      const v = t.BT.map((row) => row.reduce((a, c, k) => a + c * d[k], 0));
      t.AT.forEach((row, i) => {
        const y = row.reduce((a, c, k) => a + c * u[k] * v[k], 0);
        const want = g[0] * d[i] + g[1] * d[i + 1] + g[2] * d[i + 2];
        if (Math.abs(y - want) > 1e-9 * (1 + Math.abs(want))) throw new Error(`winograd ${name}: matrices give ${y} for output ${i}, the correlation is ${want}`);
      });
    }
  }
}
