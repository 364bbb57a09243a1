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
  return WINOGRAD_BUILT.flatMap((t) => [filterKernel(variant, t), convKernel(variant, t)]).join('\n');
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

function convKernel(variant, key) {
  const T = WINOGRAD_TRANSFORMS[key], A = T.alpha, m = T.m, AA = A * A;
  const { NR } = GEMM_CONFIGS[variant.name];
  const lane = (name, L) => `${name}${L}`;
  const laneLocals = (...names) => names.flatMap((nm) => LANES.map((L) => lane(nm, L)));

  // tile index t of the block -> image j, tile row th (in the block's band), tile column tw
  const decode = (t) => `
      ${s('j', divU(t, g('tpi')))}
      ${s('th', divU(sub(t, mul(g('j'), g('tpi'))), g('TW')))}
      ${s('tw', sub(sub(t, mul(g('j'), g('tpi'))), mul(g('th'), g('TW'))))}`;

  // ---- input transform of one channel of four tiles (lane bases b0..b3), to V planes at dst --------------
  const inVars = [];
  let inCode = '';
  for (let r = 0; r < A; r++) {
    const rowAddr = LANES.map((L) => s(lane('ra', L), add(g(lane('b', L)), g(`ro${r}`)))).join(' ');
    const d = [];
    for (let q = 0; q < A; q++) {
      let v = `(v128.load32_zero offset=${q * 4} ${g('ra0')})`;
      for (const L of [1, 2, 3]) v = `(v128.load32_lane offset=${q * 4} ${L} ${g(lane('ra', L))} ${v})`;
      d.push(v);
    }
    // gathered values go to locals first so the program sees names, not loads
    const dl = d.map((v, q) => { inVars.push(`d${r}_${q}`); return s(`d${r}_${q}`, v); });
    const prog = vecProgram(variant.fma, `ia${r}_`);
    const out = T.input(d.map((_, q) => g(`d${r}_${q}`)), prog.ops);
    inVars.push(...prog.names);
    inCode += `
        ${rowAddr}
        ${dl.join('\n        ')}
        ${prog.code.join('\n        ')}
        ${out.map((e, jj) => `(v128.store offset=${(r * A + jj) * 16} ${g('tmp')} ${e})`).join('\n        ')}`;
  }
  for (let jj = 0; jj < A; jj++) {
    const col = Array.from({ length: A }, (_, r) => `(v128.load offset=${(r * A + jj) * 16} ${g('tmp')})`);
    const cl = col.map((v, r) => { inVars.push(`e${jj}_${r}`); return s(`e${jj}_${r}`, v); });
    const prog = vecProgram(variant.fma, `ib${jj}_`);
    const out = T.input(col.map((_, r) => g(`e${jj}_${r}`)), prog.ops);
    inVars.push(...prog.names);
    inCode += `
        ${cl.join('\n        ')}
        ${prog.code.join('\n        ')}
        ${out.map((e, ii) => `(v128.store ${add(g('dst'), g(`vo${ii * A + jj}`))} ${e})`).join('\n        ')}`;
  }

  // ---- output transform of one output channel of four tiles, into y (fast: four full tiles) -------------
  const outVars = [];
  const outputChannel = (full) => {
    let code = '';
    for (let ii = 0; ii < A; ii++) {
      const row = Array.from({ length: A }, (_, q) => `(v128.load ${add(g('src'), g(`mo${ii * A + q}`))})`);
      const rl = row.map((v, q) => { outVars.push(`${full}m${ii}_${q}`); return s(`${full}m${ii}_${q}`, v); });
      const prog = vecProgram(variant.fma, `${full}oa${ii}_`);
      const out = T.output(row.map((_, q) => g(`${full}m${ii}_${q}`)), prog.ops);
      outVars.push(...prog.names);
      code += `
          ${rl.join('\n          ')}
          ${prog.code.join('\n          ')}
          ${out.map((e, jj) => `(v128.store offset=${(ii * m + jj) * 16} ${g('tmp')} ${e})`).join('\n          ')}`;
    }
    for (let jj = 0; jj < m; jj++) {
      const col = Array.from({ length: A }, (_, ii) => `(v128.load offset=${(ii * m + jj) * 16} ${g('tmp')})`);
      const cl = col.map((v, ii) => { outVars.push(`${full}z${jj}_${ii}`); return s(`${full}z${jj}_${ii}`, v); });
      const prog = vecProgram(variant.fma, `${full}ob${jj}_`);
      const out = T.output(col.map((_, ii) => g(`${full}z${jj}_${ii}`)), prog.ops);
      outVars.push(...prog.names);
      const stores = [];
      out.forEach((e, ii) => {
        const yv = `${full}y${ii}_${jj}`;
        outVars.push(yv);
        stores.push(s(yv, e));
        for (const L of LANES) {
          const st = `(v128.store32_lane offset=${jj * 4} ${L} ${add(g(lane('yb', L)), g(`yo${ii}`))} ${g(yv)})`;
          stores.push(full === 'f' ? st : `(if (i32.and (i32.gt_s ${g(lane('vh', L))} ${i(ii)}) (i32.gt_s ${g(lane('vw', L))} ${i(jj)})) (then ${st}))`);
        }
      });
      code += `
          ${cl.join('\n          ')}
          ${prog.code.join('\n          ')}
          ${stores.join('\n          ')}`;
    }
    return code;
  };
  const fullCode = outputChannel('f'), partCode = outputChannel('p');

  const voSet = Array.from({ length: AA }, (_, x) => s(`vo${x}`, mul(i(x), g('vplane')))).join(' ');
  const moSet = Array.from({ length: AA }, (_, x) => s(`mo${x}`, mul(i(x), g('mplane')))).join(' ');
  const roSet = Array.from({ length: A }, (_, r) => s(`ro${r}`, mul(i(r), g('wpb')))).join(' ');
  const yoSet = Array.from({ length: m }, (_, r) => s(`yo${r}`, mul(i(r), g('owb')))).join(' ');
  const xiLocals = (p, n) => Array.from({ length: n }, (_, x) => `${p}${x}`);

  return `
;; winograd_${key}: see the file comment
(func $winograd_${key} (export "winograd_${key}") ${params(['x', 'U', 'y', 'C', 'H', 'W', 'O', 'PH', 'PW', 'OH', 'OW', 'n0', 'n1', 'nb', 'band', 'st', 'V', 'M', 'tmp', 'gs'])}
  ${locals(['TH', 'TW', 'n', 'k', 'tr', 'rows', 'Hs', 'Wp', 'wpb', 'owb', 'planeb', 'tpi', 'T', 'N', 'npad', 'kcs', 'uplane', 'vplane', 'mplane',
    'j', 'th', 'tw', 'c', 'r', 'ih', 'plane', 'g0', 'pc', 'kc', 'cc', 'dst', 'src', 'o', 'xi', 'full', 'last'])}
  ${locals([...laneLocals('b', 'ra', 'yb', 'vh', 'vw'), ...xiLocals('vo', AA), ...xiLocals('mo', AA), ...xiLocals('ro', A), ...xiLocals('yo', m)])}
  ${locals([...new Set([...inVars, ...outVars])], 'v128')}
  ${s('TH', divU(add(g('OH'), i(m - 1)), i(m)))}
  ${s('TW', divU(add(g('OW'), i(m - 1)), i(m)))}
  ${s('Wp', add(mul(g('TW'), i(m)), i(2)))}
  ${s('wpb', mul(g('Wp'), i(4)))}
  ${s('owb', mul(g('OW'), i(4)))}
  ${s('kcs', `(call $gemm_kc ${g('C')})`)}
  ${s('uplane', `(call $gemm_packed_a_bytes ${g('O')} ${g('C')})`)}
  ${roSet}
  ${yoSet}
  ${forLoop('n', g('n0'), g('n1'), g('nb'), `
    ${s('k', min(g('nb'), sub(g('n1'), g('n'))))}
    ${forLoop('tr', i(0), g('TH'), g('band'), `
      ${s('rows', min(g('band'), sub(g('TH'), g('tr'))))}
      ${s('Hs', add(mul(g('rows'), i(m)), i(2)))}
      ${s('planeb', mul(mul(g('Hs'), g('Wp')), i(4)))}
      ${s('tpi', mul(g('rows'), g('TW')))}
      ${s('T', mul(g('k'), g('tpi')))}
      ${s('N', `(i32.and (i32.add ${g('T')} (i32.const 3)) (i32.const -4))`)}
      ${s('npad', mul(divU(add(g('N'), i(NR - 1)), i(NR)), i(NR)))}
      ${s('vplane', mul(mul(g('C'), g('npad')), i(4)))}
      ${s('mplane', mul(mul(g('O'), g('N')), i(4)))}
      ${voSet}
      ${moSet}
      ;; 1. staging: zero-padded planes of the block's input rows
      ${s('plane', g('st'))}
      ${forLoop('j', i(0), g('k'), 1, `
        ${forLoop('c', i(0), g('C'), 1, `
          (memory.fill ${g('plane')} (i32.const 0) ${g('planeb')})
          ${forLoop('r', i(0), g('Hs'), 1, `
            ${s('ih', add(sub(mul(g('tr'), i(m)), g('PH')), g('r')))}
            (if (i32.lt_u ${g('ih')} ${g('H')}) (then
              (memory.copy ${at(g('plane'), add(mul(g('r'), g('Wp')), g('PW')))}
                ${at(g('x'), mul(add(mul(add(mul(add(g('n'), g('j')), g('C')), g('c')), g('H')), g('ih')), g('W')))} ${mul(g('W'), i(4))})))`)}
          ${s('plane', add(g('plane'), g('planeb')))}`)}`)}
      ;; 2. input transform into packed V; the last panel's columns past N are zeroed first
      (if (i32.gt_u ${g('npad')} ${g('N')}) (then
        ${forLoop('xi', i(0), i(AA), 1, `
          ${forLoop('pc', i(0), g('C'), g('kcs'), `
            ${s('kc', min(g('kcs'), sub(g('C'), g('pc'))))}
            (memory.fill ${add(add(g('V'), mul(g('xi'), g('vplane'))), mul(add(mul(g('pc'), g('npad')), mul(sub(g('npad'), i(NR)), g('kc'))), i(4)))}
              (i32.const 0) ${mul(g('kc'), i(NR * 4))})`)}`)}))
      ${forLoop('g0', i(0), g('N'), 4, `
        ${LANES.map((L) => `${decode(min(add(g('g0'), i(L)), sub(g('T'), i(1))))}
      ${s(lane('b', L), add(g('st'), mul(add(mul(add(mul(mul(g('j'), g('C')), g('Hs')), mul(g('th'), i(m))), g('Wp')), mul(g('tw'), i(m))), i(4))))}`).join('')}
        ${forLoop('pc', i(0), g('C'), g('kcs'), `
          ${s('kc', min(g('kcs'), sub(g('C'), g('pc'))))}
          ${s('dst', at(g('V'), add(add(mul(g('pc'), g('npad')), mul(sub(g('g0'), remU(g('g0'), i(NR))), g('kc'))), remU(g('g0'), i(NR)))))}
          ${forLoop('cc', i(0), g('kc'), 1, `
        ${inCode}
        ${LANES.map((L) => s(lane('b', L), add(g(lane('b', L)), g('planeb')))).join(' ')}
        ${s('dst', add(g('dst'), i(NR * 4)))}`)}`)}`)}
      ;; 3. one GEMM per transform point
      ${forLoop('xi', i(0), i(AA), 1, `
        (call $gemm (i32.const 0) (i32.const 0) ${g('O')} ${g('N')} ${g('C')} ${add(g('U'), mul(g('xi'), g('uplane')))} ${g('C')}
          ${add(g('V'), mul(g('xi'), g('vplane')))} ${g('N')} ${add(g('M'), mul(g('xi'), g('mplane')))} ${g('N')} (i32.const 48)
          (i32.const 0) ${g('O')} (i32.const 0) ${g('N')} ${g('gs')})`)}
      ;; 4. output transform, four tiles per vector
      ${forLoop('g0', i(0), g('N'), 4, `
        ${s('full', i(1))}
        ${LANES.map((L) => `
        (if (i32.lt_s ${add(g('g0'), i(L))} ${g('T')})
          (then
            ${decode(add(g('g0'), i(L)))}
            ${s('th', add(g('th'), g('tr')))}
            ${s(lane('yb', L), at(g('y'), add(mul(add(mul(mul(add(g('n'), g('j')), g('O')), g('OH')), mul(g('th'), i(m))), g('OW')), mul(g('tw'), i(m)))))}
            ${s(lane('vh', L), min(i(m), sub(g('OH'), mul(g('th'), i(m)))))}
            ${s(lane('vw', L), min(i(m), sub(g('OW'), mul(g('tw'), i(m)))))})
          (else ${s(lane('yb', L), g('y'))} ${s(lane('vh', L), i(0))} ${s(lane('vw', L), i(0))}))
        ${s('full', `(i32.and ${g('full')} (i32.and (i32.eq ${g(lane('vh', L))} ${i(m)}) (i32.eq ${g(lane('vw', L))} ${i(m)})))`)}`).join('')}
        ${s('src', at(g('M'), g('g0')))}
        ${forLoop('o', i(0), g('O'), 1, `
          (if ${g('full')}
            (then ${fullCode})
            (else ${partCode}))
          ${s('src', at(g('src'), g('N')))}
          ${LANES.map((L) => s(lane('yb', L), add(g(lane('yb', L)), mul(mul(g('OH'), g('OW')), i(4))))).join(' ')}`)}`)}`)}`)})`;
}
