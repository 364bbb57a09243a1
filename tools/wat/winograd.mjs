// Winograd convolution kernels for 3 x 3, stride 1 convolutions (generator of WAT text; internal to the build).
// One pair of functions per transform of winograd_transforms.mjs (<t> = f2, f4, f6; m the output tile edge,
// A = m + 2 the input tile edge):
//
//   winograd_filter_<t>(w, U, C, O, flip, o0, o1)
//     U <- the transformed filters G g G^T of output channels o0 <= o < o1 (o1 may exceed O up to Opad = O
//     rounded up to the gemm's MR: those rows are written as zeros), computed in float64, stored as A*A
//     matrices [O, C] each packed by the gemm's pack_a_all layout (the PACKED_A operand of gemm.mjs), matrix
//     xi at U + xi * Opad * C * 4. g[o][c] = w[o, c, :, :] (w [O, C, 3, 3]); with flip, g[o][c] =
//     w[c, o, 2 - r, 2 - s] (w [C, O, 3, 3]): the input gradient of a stride-1 convolution is this
//     convolution of dy with the flipped, transposed kernel.
//   winograd_<t>(x, U, y, C, H, W, O, PH, PW, OH, OW, n0, n1, nb, band, st, V, M, tmp, gs)
//     y[n] = correlation of x[n] (zero-padded by PH, PW) with the filters in U, for images n0 <= n < n1;
//     x [N, C, H, W], y [N, O, OH, OW] (overwritten). Work goes in blocks: nb whole images (band = all tile
//     rows) or, with nb = 1, `band` tile rows of one image. Per block, with T tiles and Np = T rounded up to 4:
//       1. staging (st): the block's input rows copied into zero-padded planes [image][C][rows][Wp],
//          Wp = TW*m + 2, so every tile reads inside its plane;
//       2. input transform (V): B^T d B of every tile and channel, four tiles per f32x4 (gathered with
//          load32_lane), written as A*A matrices [C, Np], each packed as gemm's PACKED_B operand, matrix xi at
//          V + xi * C * Npad * 4 (Npad = Np rounded up to NR);
//       3. A*A GEMMs M_xi [O, Np] = U_xi . V_xi (gemm.mjs, PACKED_A | PACKED_B), M_xi at M + xi * O * Np * 4;
//       4. output transform: A^T M A of four tiles at a time into y (lanes of partial tiles store only what
//          lies inside OH x OW).
//     Scratch (bytes, private to the thread): st nb*C*(band*m + 2)*Wp*4, V A*A*C*Npad*4, M A*A*O*Np*4,
//     tmp A*A*16, gs the gemm scratch (its edge-tile part). TH = ceil(OH/m), TW = ceil(OW/m).
// The transforms' arithmetic is f32x4 (the variant's fma for the scaled terms); results do not depend on how
// work is split between threads or blocks (each output tile's arithmetic is the same in every block).
import { g, s, i, params, locals, forLoop, at, mul, add, min } from './wat.mjs';
import { GEMM_CONFIGS } from './gemm.mjs';
import { WINOGRAD_TRANSFORMS, checkPrograms } from './winograd_transforms.mjs';

const sub = (a, b) => `(i32.sub ${a} ${b})`;
const divU = (a, b) => `(i32.div_u ${a} ${b})`;
const remU = (a, b) => `(i32.rem_u ${a} ${b})`;
const LANES = [0, 1, 2, 3];

/** The transforms built into the kernel modules. */
export const WINOGRAD_BUILT = /** @type {const} */ (['f2', 'f4', 'f6']);

/** @param {import('./wat.mjs').Variant} variant */
export function winogradWat(variant) {
  checkPrograms();
  return WINOGRAD_BUILT.flatMap((t) => [filterKernel(variant, t), convKernel(variant, t), wgradKernel(variant, t)]).join('\n');
}

/**
 * Straight-line f32x4 code for the transform programs: every op result becomes a fresh local. `fma` is the
 * variant's multiply-add.
 */
function vecProgram(fma, prefix) {
  const code = [], names = [];
  let n = 0;
  const tmp = (expr) => {
    const name = `${prefix}${n++}`;
    names.push(name);
    code.push(s(name, expr));
    return g(name);
  };
  const splat = (k) => `(v128.const f32x4 ${k} ${k} ${k} ${k})`;
  return {
    code, names,
    ops: {
      add: (a, b) => tmp(`(f32x4.add ${a} ${b})`),
      sub: (a, b) => tmp(`(f32x4.sub ${a} ${b})`),
      neg: (a) => tmp(`(f32x4.neg ${a})`),
      scale: (a, k) => tmp(`(f32x4.mul ${a} ${splat(k)})`),
      madd: (a, k, b) => tmp(fma(a, splat(k), b)),
    },
  };
}

/** A float64 linear combination sum_k c[k] * x[k] as a WAT expression (zero terms skipped, +-1 without mul). */
function f64Combination(coeffs, xs) {
  const terms = [];
  coeffs.forEach((c, k) => {
    if (c === 0) return;
    if (c === 1) terms.push({ neg: false, e: xs[k] });
    else if (c === -1) terms.push({ neg: true, e: xs[k] });
    else terms.push({ neg: false, e: `(f64.mul ${xs[k]} (f64.const ${c}))` });
  });
  if (terms.length === 0) return '(f64.const 0)';
  let acc = terms[0].neg ? `(f64.neg ${terms[0].e})` : terms[0].e;
  for (const t of terms.slice(1)) acc = `(${t.neg ? 'f64.sub' : 'f64.add'} ${acc} ${t.e})`;
  return acc;
}

/**
 * A separable 2-D transform of one group of four tiles (one f32x4 lane per tile): `rows` rows of `cols`
 * gathered values each (`load(r, q)` gives the expression of row r, column q), the 1-D program along each
 * row into tmp, then along each column; `store(ii, jj, expr)` emits the store of output (ii, jj). Returns
 * the code and the v128 locals it uses (names start with `prefix`).
 */
function transform2d(fma, prefix, program, rows, cols, load, store) {
  const vars = [];
  let code = '';
  let width = 0;
  for (let r = 0; r < rows; r++) {
    const ins = Array.from({ length: cols }, (_, q) => { const v = `${prefix}d${r}_${q}`; vars.push(v); code += `\n        ${s(v, load(r, q))}`; return g(v); });
    const prog = vecProgram(fma, `${prefix}a${r}_`);
    const out = program(ins, prog.ops);
    width = out.length;
    vars.push(...prog.names);
    code += `\n        ${prog.code.join('\n        ')}\n        ${out.map((e, jj) => `(v128.store offset=${(r * width + jj) * 16} ${g('tmp')} ${e})`).join('\n        ')}`;
  }
  for (let jj = 0; jj < width; jj++) {
    const ins = Array.from({ length: rows }, (_, r) => { const v = `${prefix}e${jj}_${r}`; vars.push(v); code += `\n        ${s(v, `(v128.load offset=${(r * width + jj) * 16} ${g('tmp')})`)}`; return g(v); });
    const prog = vecProgram(fma, `${prefix}b${jj}_`);
    const out = program(ins, prog.ops);
    vars.push(...prog.names);
    code += `\n        ${prog.code.join('\n        ')}`;
    out.forEach((e, ii) => { code += `\n        ${store(ii, jj, e)}`; });
  }
  return { code, vars };
}

/** Four lanes gathered from lane row addresses `${ra}0..3` at byte offset `off` (load32_lane). */
const gather = (ra, off) => {
  let v = `(v128.load32_zero offset=${off} ${g(`${ra}0`)})`;
  for (const L of [1, 2, 3]) v = `(v128.load32_lane offset=${off} ${L} ${g(`${ra}${L}`)} ${v})`;
  return v;
};

/**
 * Staging of input rows for a block: `planes` planes per image (channels `cFrom` + 0..planes of `src`, an
 * [N, srcC, srcH, srcW] tensor) zero-filled and rows rowFrom..rowFrom+Hs copied in at column `colOff`.
 */
function staging({ src, srcC, srcH, srcW, cFrom, planes, rowFrom, colOff, height, width, dst }) {
  return `
      ${s('plane', dst)}
      ${forLoop('j', i(0), g('k'), 1, `
        ${forLoop('c', i(0), planes, 1, `
          (memory.fill ${g('plane')} (i32.const 0) ${mul(mul(height, width), i(4))})
          ${forLoop('r', i(0), height, 1, `
            ${s('ih', add(rowFrom, g('r')))}
            (if (i32.lt_u ${g('ih')} ${srcH}) (then
              (memory.copy ${at(g('plane'), add(mul(g('r'), width), colOff))}
                ${at(src, mul(add(mul(add(mul(add(g('n'), g('j')), srcC), add(cFrom, g('c'))), srcH), g('ih')), srcW))} ${mul(srcW, i(4))})))`)}
          ${s('plane', at(g('plane'), mul(height, width)))}`)}`)}`;
}

function filterKernel(variant, key) {
  const T = WINOGRAD_TRANSFORMS[key], A = T.alpha;
  const { MR } = GEMM_CONFIGS[variant.name];
  const gl = (r, c) => `g${r}_${c}`;
  const tl = (a, c) => `t${a}_${c}`;
  const loadG = [];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      const k = r * 3 + c;
      loadG.push(s(gl(r, c), `(f64.promote_f32 (if (result f32) ${g('flip')} (then (f32.load offset=${(8 - k) * 4} ${g('src')})) (else (f32.load offset=${k * 4} ${g('src')}))))`));
    }
  }
  // t = G g (A x 3), u = t G^T (A x A)
  const tCode = [];
  for (let a = 0; a < A; a++) for (let c = 0; c < 3; c++) tCode.push(s(tl(a, c), f64Combination(T.G[a], [0, 1, 2].map((r) => g(gl(r, c))))));
  const stores = [];
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < A; b++) {
      const u = f64Combination(T.G[b], [0, 1, 2].map((c) => g(tl(a, c))));
      stores.push(`(f32.store ${g('p')} (f32.demote_f64 ${u}))`, s('p', add(g('p'), g('uplane'))));
    }
  }
  const zeros = [];
  for (let k = 0; k < A * A; k++) zeros.push(`(f32.store ${g('p')} (f32.const 0))`, s('p', add(g('p'), g('uplane'))));
  const tLocals = [];
  for (let a = 0; a < A; a++) for (let c = 0; c < 3; c++) tLocals.push(tl(a, c));
  const gLocals = [];
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) gLocals.push(gl(r, c));
  return `
;; winograd_filter_${key}: see the file comment
(func $winograd_filter_${key} (export "winograd_filter_${key}") ${params(['w', 'U', 'C', 'O', 'flip', 'o0', 'o1'])}
  ${locals(['opad', 'uplane', 'kcs', 'o', 'c', 'pc', 'kc', 'p', 'src'])} ${locals([...gLocals, ...tLocals], 'f64')}
  ${s('opad', mul(divU(add(g('O'), i(MR - 1)), i(MR)), i(MR)))}
  ${s('uplane', mul(mul(g('opad'), g('C')), i(4)))}
  ${s('kcs', `(call $gemm_kc ${g('C')})`)}
  ${forLoop('o', g('o0'), g('o1'), 1, `
    ${forLoop('c', i(0), g('C'), 1, `
      ${s('pc', mul(divU(g('c'), g('kcs')), g('kcs')))}
      ${s('kc', min(g('kcs'), sub(g('C'), g('pc'))))}
      ;; packed position of (o, c): slice pc, MR-row panel of o, row c - pc of the panel
      ${s('p', at(g('U'), add(add(mul(g('pc'), g('opad')), mul(sub(g('o'), remU(g('o'), i(MR))), g('kc'))),
    add(mul(sub(g('c'), g('pc')), i(MR)), remU(g('o'), i(MR))))))}
      (if (i32.lt_s ${g('o')} ${g('O')})
        (then
          ${s('src', at(g('w'), mul(`(if (result i32) ${g('flip')} (then ${add(mul(g('c'), g('O')), g('o'))}) (else ${add(mul(g('o'), g('C')), g('c'))}))`, i(9))))}
          ${loadG.join('\n          ')}
          ${tCode.join('\n          ')}
          ${stores.join('\n          ')})
        (else
          ${zeros.join('\n          ')}))`)}`)})`;
}

// tile index t of the block -> image j, tile row th (in the block's band), tile column tw
const decode = (t) => `
      ${s('j', divU(t, g('tpi')))}
      ${s('th', divU(sub(t, mul(g('j'), g('tpi'))), g('TW')))}
      ${s('tw', sub(sub(t, mul(g('j'), g('tpi'))), mul(g('th'), g('TW'))))}`;

const xiOffsets = (prefix, n, stride) => Array.from({ length: n }, (_, x) => s(`${prefix}${x}`, mul(i(x), g(stride)))).join(' ');
const xiLocals = (p, n) => Array.from({ length: n }, (_, x) => `${p}${x}`);
const laneLocals = (...names) => names.flatMap((nm) => LANES.map((L) => `${nm}${L}`));

/** Block geometry shared by the kernels: tile rows `band` from `tr`, `k` images from `n`; T tiles, NP = T rounded up to 4. */
const blockGeometry = (m) => `
      ${s('rows', min(g('band'), sub(g('TH'), g('tr'))))}
      ${s('Hs', add(mul(g('rows'), i(m)), i(2)))}
      ${s('planeb', mul(mul(g('Hs'), g('Wp')), i(4)))}
      ${s('tpi', mul(g('rows'), g('TW')))}
      ${s('T', mul(g('k'), g('tpi')))}
      ${s('NP', `(i32.and (i32.add ${g('T')} (i32.const 3)) (i32.const -4))`)}`;

/** Lane bases b0..b3 into the staged input of four tiles from g0 (padding lanes repeat the last tile). */
const inputLaneBases = (m, channels) => LANES.map((L) => `${decode(min(add(g('g0'), i(L)), sub(g('T'), i(1))))}
      ${s(`b${L}`, add(g('st'), mul(add(mul(add(mul(mul(g('j'), channels), g('Hs')), mul(g('th'), i(m))), g('Wp')), mul(g('tw'), i(m))), i(4))))}`).join('');

/** Input transform B^T d B of one channel of four tiles (lane bases b0..b3) into V planes at dst + vo<xi>. */
function inputTransform(variant, T) {
  const A = T.alpha;
  const rowAddr = (r) => LANES.map((L) => s(`ra${L}`, add(g(`b${L}`), g(`ro${r}`)))).join(' ');
  let lastRow = -1;
  const t = transform2d(variant.fma, 'i', T.input, A, A,
    (r, q) => {
      const pre = r !== lastRow ? `${rowAddr(r)} ` : '';
      lastRow = r;
      return q === 0 ? `(block (result v128) ${pre}${gather('ra', q * 4)})` : gather('ra', q * 4);
    },
    (ii, jj, e) => `(v128.store ${add(g('dst'), g(`vo${ii * A + jj}`))} ${e})`);
  return t;
}

function convKernel(variant, key) {
  const T = WINOGRAD_TRANSFORMS[key], A = T.alpha, m = T.m, AA = A * A;
  const { NR } = GEMM_CONFIGS[variant.name];
  const inT = inputTransform(variant, T);

  // output transform of one output channel of four tiles into y: 'f' stores whole tiles, 'p' checks each
  // element against the lane's valid rows and columns
  const outputChannel = (mode) => transform2d(variant.fma, `o${mode}`, T.output, A, A,
    (r, q) => `(v128.load ${add(g('src'), g(`mo${r * A + q}`))})`,
    (ii, jj, e) => {
      const yv = `o${mode}y${ii}_${jj}`;
      const stores = LANES.map((L) => {
        const st = `(v128.store32_lane offset=${jj * 4} ${L} ${add(g(`yb${L}`), g(`yo${ii}`))} ${g(yv)})`;
        return mode === 'f' ? st : `(if (i32.and (i32.gt_s ${g(`vh${L}`)} ${i(ii)}) (i32.gt_s ${g(`vw${L}`)} ${i(jj)})) (then ${st}))`;
      });
      return `${s(yv, e)}\n        ${stores.join('\n        ')}`;
    });
  const full = outputChannel('f'), part = outputChannel('p');
  const yVars = ['f', 'p'].flatMap((mode) => Array.from({ length: m * m }, (_, x) => `o${mode}y${Math.floor(x / m)}_${x % m}`));

  return `
;; winograd_${key}: see the file comment
(func $winograd_${key} (export "winograd_${key}") ${params(['x', 'U', 'y', 'C', 'H', 'W', 'O', 'PH', 'PW', 'OH', 'OW', 'n0', 'n1', 'nb', 'band', 'st', 'V', 'M', 'tmp', 'gs'])}
  ${locals(['TH', 'TW', 'n', 'k', 'tr', 'rows', 'Hs', 'Wp', 'wpb', 'owb', 'planeb', 'tpi', 'T', 'NP', 'npad', 'kcs', 'uplane', 'vplane', 'mplane',
    'j', 'th', 'tw', 'c', 'r', 'ih', 'plane', 'g0', 'pc', 'kc', 'cc', 'dst', 'src', 'o', 'xi', 'full'])}
  ${locals([...laneLocals('b', 'ra', 'yb', 'vh', 'vw'), ...xiLocals('vo', AA), ...xiLocals('mo', AA), ...xiLocals('ro', A), ...xiLocals('yo', m)])}
  ${locals([...new Set([...inT.vars, ...full.vars, ...part.vars, ...yVars])], 'v128')}
  ${s('TH', divU(add(g('OH'), i(m - 1)), i(m)))}
  ${s('TW', divU(add(g('OW'), i(m - 1)), i(m)))}
  ${s('Wp', add(mul(g('TW'), i(m)), i(2)))}
  ${s('wpb', mul(g('Wp'), i(4)))}
  ${s('owb', mul(g('OW'), i(4)))}
  ${s('kcs', `(call $gemm_kc ${g('C')})`)}
  ${s('uplane', `(call $gemm_packed_a_bytes ${g('O')} ${g('C')})`)}
  ${xiOffsets('ro', A, 'wpb')}
  ${xiOffsets('yo', m, 'owb')}
  ${forLoop('n', g('n0'), g('n1'), g('nb'), `
    ${s('k', min(g('nb'), sub(g('n1'), g('n'))))}
    ${forLoop('tr', i(0), g('TH'), g('band'), `
      ${blockGeometry(m)}
      ${s('npad', mul(divU(add(g('NP'), i(NR - 1)), i(NR)), i(NR)))}
      ${s('vplane', mul(mul(g('C'), g('npad')), i(4)))}
      ${s('mplane', mul(mul(g('O'), g('NP')), i(4)))}
      ${xiOffsets('vo', AA, 'vplane')}
      ${xiOffsets('mo', AA, 'mplane')}
      ;; 1. staging: zero-padded planes of the block's input rows
      ${staging({ src: g('x'), srcC: g('C'), srcH: g('H'), srcW: g('W'), cFrom: i(0), planes: g('C'), rowFrom: sub(mul(g('tr'), i(m)), g('PH')), colOff: g('PW'), height: g('Hs'), width: g('Wp'), dst: g('st') })}
      ;; 2. input transform into packed V; the last panel's columns past NP are zeroed first
      (if (i32.gt_u ${g('npad')} ${g('NP')}) (then
        ${forLoop('xi', i(0), i(AA), 1, `
          ${forLoop('pc', i(0), g('C'), g('kcs'), `
            ${s('kc', min(g('kcs'), sub(g('C'), g('pc'))))}
            (memory.fill ${add(add(g('V'), mul(g('xi'), g('vplane'))), mul(add(mul(g('pc'), g('npad')), mul(sub(g('npad'), i(NR)), g('kc'))), i(4)))}
              (i32.const 0) ${mul(g('kc'), i(NR * 4))})`)}`)}))
      ${forLoop('g0', i(0), g('NP'), 4, `
        ${inputLaneBases(m, g('C'))}
        ${forLoop('pc', i(0), g('C'), g('kcs'), `
          ${s('kc', min(g('kcs'), sub(g('C'), g('pc'))))}
          ${s('dst', at(g('V'), add(add(mul(g('pc'), g('npad')), mul(sub(g('g0'), remU(g('g0'), i(NR))), g('kc'))), remU(g('g0'), i(NR)))))}
          ${forLoop('cc', i(0), g('kc'), 1, `
        ${inT.code}
        ${LANES.map((L) => s(`b${L}`, add(g(`b${L}`), g('planeb')))).join(' ')}
        ${s('dst', add(g('dst'), i(NR * 4)))}`)}`)}`)}
      ;; 3. one GEMM per transform point
      ${forLoop('xi', i(0), i(AA), 1, `
        (call $gemm (i32.const 0) (i32.const 0) ${g('O')} ${g('NP')} ${g('C')} ${add(g('U'), mul(g('xi'), g('uplane')))} ${g('C')}
          ${add(g('V'), mul(g('xi'), g('vplane')))} ${g('NP')} ${add(g('M'), mul(g('xi'), g('mplane')))} ${g('NP')} (i32.const 48)
          (i32.const 0) ${g('O')} (i32.const 0) ${g('NP')} ${g('gs')})`)}
      ;; 4. output transform, four tiles per vector
      ${forLoop('g0', i(0), g('NP'), 4, `
        ${s('full', i(1))}
        ${LANES.map((L) => `
        (if (i32.lt_s ${add(g('g0'), i(L))} ${g('T')})
          (then
            ${decode(add(g('g0'), i(L)))}
            ${s('th', add(g('th'), g('tr')))}
            ${s(`yb${L}`, at(g('y'), add(mul(add(mul(mul(add(g('n'), g('j')), g('O')), g('OH')), mul(g('th'), i(m))), g('OW')), mul(g('tw'), i(m)))))}
            ${s(`vh${L}`, min(i(m), sub(g('OH'), mul(g('th'), i(m)))))}
            ${s(`vw${L}`, min(i(m), sub(g('OW'), mul(g('tw'), i(m)))))})
          (else ${s(`yb${L}`, g('y'))} ${s(`vh${L}`, i(0))} ${s(`vw${L}`, i(0))}))
        ${s('full', `(i32.and ${g('full')} (i32.and (i32.eq ${g(`vh${L}`)} ${i(m)}) (i32.eq ${g(`vw${L}`)} ${i(m)})))`)}`).join('')}
        ${s('src', at(g('M'), g('g0')))}
        ${forLoop('o', i(0), g('O'), 1, `
          (if ${g('full')}
            (then ${full.code})
            (else ${part.code}))
          ${s('src', at(g('src'), g('NP')))}
          ${LANES.map((L) => s(`yb${L}`, add(g(`yb${L}`), mul(mul(g('OH'), g('OW')), i(4))))).join(' ')}`)}`)}`)}`)})`;
}

function wgradKernel(variant, key) {
  const T = WINOGRAD_TRANSFORMS[key], A = T.alpha, m = T.m, AA = A * A;
  const inT = inputTransform(variant, T);
  // adjoint output transform A dY A^T of one output channel of four tiles (lane bases d0..d3 into the
  // staged dy), masked to zero in padding lanes, into D planes at dst + do<xi>
  let lastRow = -1;
  const dyT = transform2d(variant.fma, 'd', T.outputAdjoint, m, m,
    (r, q) => {
      const pre = r !== lastRow ? `${LANES.map((L) => s(`ra${L}`, add(g(`bd${L}`), g(`so${r}`)))).join(' ')} ` : '';
      lastRow = r;
      return q === 0 ? `(block (result v128) ${pre}${gather('ra', q * 4)})` : gather('ra', q * 4);
    },
    (ii, jj, e) => `(v128.store ${add(g('dst'), g(`do${ii * A + jj}`))} (v128.and ${e} ${g('mask')}))`);
  // dw = G^T Z G per (o, c), float64
  const G = T.G;
  const zl = (a, b) => `z${a}_${b}`, ql = (a, c) => `q${a}_${c}`;
  const loadZ = [];
  for (let a = 0; a < A; a++) for (let b = 0; b < A; b++) loadZ.push(s(zl(a, b), `(f64.promote_f32 (f32.load ${add(g('src'), g(`zo${a * A + b}`))}))`));
  const qCode = [];
  for (let a = 0; a < A; a++) for (let c = 0; c < 3; c++) qCode.push(s(ql(a, c), f64Combination(G.map((row) => row[c]), Array.from({ length: A }, (_, b) => g(zl(a, b))))));
  const dwStores = [];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      const v = `(f32.demote_f64 ${f64Combination(G.map((row) => row[r]), Array.from({ length: A }, (_, a) => g(ql(a, c))))})`;
      const off = (r * 3 + c) * 4;
      dwStores.push(`(f32.store offset=${off} ${g('dst')} (if (result f32) ${g('acc')} (then (f32.add (f32.load offset=${off} ${g('dst')}) ${v})) (else ${v})))`);
    }
  }
  const zLocals = [], qLocals = [];
  for (let a = 0; a < A; a++) { for (let b = 0; b < A; b++) zLocals.push(zl(a, b)); for (let c = 0; c < 3; c++) qLocals.push(ql(a, c)); }

  return `
;; winograd_wgrad_${key}: see the file comment
(func $winograd_wgrad_${key} (export "winograd_wgrad_${key}") ${params(['x', 'dy', 'dw', 'flags', 'C', 'H', 'W', 'O', 'PH', 'PW', 'OH', 'OW', 'N', 'c0', 'c1', 'nb', 'band', 'st', 'sd', 'V', 'D', 'Z', 'tmp', 'gs'])}
  ${locals(['TH', 'TW', 'n', 'k', 'tr', 'rows', 'Hs', 'Wp', 'wpb', 'Wd', 'wdb', 'planeb', 'tpi', 'T', 'NP', 'Ct', 'vplane', 'dplane', 'zplane',
    'j', 'th', 'tw', 'c', 'r', 'ih', 'plane', 'g0', 'cc', 'dst', 'src', 'o', 'xi', 'first', 'acc', 'L'])}
  ${locals([...laneLocals('b', 'bd', 'ra'), ...xiLocals('vo', AA), ...xiLocals('do', AA), ...xiLocals('zo', AA), ...xiLocals('ro', A), ...xiLocals('so', m)])}
  (local $mask v128) ${locals([...new Set([...inT.vars, ...dyT.vars])], 'v128')} ${locals([...zLocals, ...qLocals], 'f64')}
  ${s('Ct', sub(g('c1'), g('c0')))}
  ${s('TH', divU(add(g('OH'), i(m - 1)), i(m)))}
  ${s('TW', divU(add(g('OW'), i(m - 1)), i(m)))}
  ${s('Wp', add(mul(g('TW'), i(m)), i(2)))}
  ${s('wpb', mul(g('Wp'), i(4)))}
  ${s('Wd', mul(g('TW'), i(m)))}
  ${s('wdb', mul(g('Wd'), i(4)))}
  ${s('zplane', mul(mul(g('O'), g('Ct')), i(4)))}
  ${xiOffsets('ro', A, 'wpb')}
  ${xiOffsets('so', m, 'wdb')}
  ${xiOffsets('zo', AA, 'zplane')}
  ${s('first', i(1))}
  ${forLoop('n', i(0), g('N'), g('nb'), `
    ${s('k', min(g('nb'), sub(g('N'), g('n'))))}
    ${forLoop('tr', i(0), g('TH'), g('band'), `
      ${blockGeometry(m)}
      ${s('vplane', mul(mul(g('Ct'), g('NP')), i(4)))}
      ${s('dplane', mul(mul(g('O'), g('NP')), i(4)))}
      ${xiOffsets('vo', AA, 'vplane')}
      ${xiOffsets('do', AA, 'dplane')}
      ;; 1. staging of x (channels c0..c1) and of dy (all output channels, zero past OH x OW)
      ${staging({ src: g('x'), srcC: g('C'), srcH: g('H'), srcW: g('W'), cFrom: g('c0'), planes: g('Ct'), rowFrom: sub(mul(g('tr'), i(m)), g('PH')), colOff: g('PW'), height: g('Hs'), width: g('Wp'), dst: g('st') })}
      ${staging({ src: g('dy'), srcC: g('O'), srcH: g('OH'), srcW: g('OW'), cFrom: i(0), planes: g('O'), rowFrom: mul(g('tr'), i(m)), colOff: i(0), height: mul(g('rows'), i(m)), width: g('Wd'), dst: g('sd') })}
      ;; 2. transforms: V [Ct, NP] and D [O, NP] per transform point, row-major
      ${forLoop('g0', i(0), g('NP'), 4, `
        ${inputLaneBases(m, g('Ct'))}
        ${s('dst', at(g('V'), g('g0')))}
        ${forLoop('cc', i(0), g('Ct'), 1, `
        ${inT.code}
        ${LANES.map((L) => s(`b${L}`, add(g(`b${L}`), g('planeb')))).join(' ')}
        ${s('dst', at(g('dst'), g('NP')))}`)}
        ${LANES.map((L) => `${decode(min(add(g('g0'), i(L)), sub(g('T'), i(1))))}
        ${s(`bd${L}`, add(g('sd'), mul(add(mul(add(mul(mul(g('j'), g('O')), mul(g('rows'), i(m))), mul(g('th'), i(m))), g('Wd')), mul(g('tw'), i(m))), i(4))))}`).join('')}
        ${s('mask', `(i32x4.lt_s (i32x4.add (i32x4.splat ${g('g0')}) (v128.const i32x4 0 1 2 3)) (i32x4.splat ${g('T')}))`)}
        ${s('dst', at(g('D'), g('g0')))}
        ${forLoop('o', i(0), g('O'), 1, `
        ${dyT.code}
        ${LANES.map((L) => s(`bd${L}`, add(g(`bd${L}`), mul(mul(mul(g('rows'), i(m)), g('Wd')), i(4))))).join(' ')}
        ${s('dst', at(g('dst'), g('NP')))}`)}`)}
      ;; 3. Z_xi [O, Ct] (+)= D_xi [O, NP] . V_xi [Ct, NP]^T
      ${forLoop('xi', i(0), i(AA), 1, `
        (call $gemm (i32.const 0) (i32.const 1) ${g('O')} ${g('Ct')} ${g('NP')} ${add(g('D'), mul(g('xi'), g('dplane')))} ${g('NP')}
          ${add(g('V'), mul(g('xi'), g('vplane')))} ${g('NP')} ${add(g('Z'), mul(g('xi'), g('zplane')))} ${g('Ct')}
          (i32.sub (i32.const 1) ${g('first')}) (i32.const 0) ${g('O')} (i32.const 0) ${g('Ct')} ${g('gs')})`)}
      ${s('first', i(0))}`)}`)}
  (if ${g('first')} (then (memory.fill ${g('Z')} (i32.const 0) ${mul(g('zplane'), i(AA))})))
  ;; 4. dw[o, c0 + c] (+)= G^T Z G
  ${s('acc', `(i32.and ${g('flags')} (i32.const 1))`)}
  ${forLoop('o', i(0), g('O'), 1, `
    ${forLoop('cc', i(0), g('Ct'), 1, `
      ${s('src', at(g('Z'), add(mul(g('o'), g('Ct')), g('cc'))))}
      ${s('dst', at(g('dw'), mul(add(mul(g('o'), g('C')), add(g('c0'), g('cc'))), i(9))))}
      ${loadZ.join('\n      ')}
      ${qCode.join('\n      ')}
      ${dwStores.join('\n      ')}`)}`)})`;
}
