// 2-D convolution kernels on top of gemm (generator of WAT text; internal to the build).
//
// Layout: x [N,C,H,W], w [O,C,KH,KW], y [N,O,OH,OW], float32, contiguous; OH = (H + 2 PH - KH) / SH + 1,
// OW likewise (the caller computes them). All pointers are byte offsets; `cols` is a per-thread scratch of
// at least the bytes stated per function; `gs` is the thread's GEMM_SCRATCH_BYTES gemm scratch.
// A 1x1, stride 1, pad 0 convolution skips im2col (x is already the column matrix).
//
//   conv2d_fwd(x, w, y, C,H,W, O,KH,KW, SH,SW,PH,PW, OH,OW, n0,n1, p0,p1, cols, gs, nb)
//     y[n, :, p] = W[O, C*KH*KW] . im2col(x[n])[:, p]  for images n0 <= n < n1, output pixels p0 <= p < p1
//     (p = oh*OW + ow).
//     cols: packedA(O, C*KH*KW) + 64 + C*KH*KW*(p1-p0)*4 bytes, packedA(M, K) = ceil(M/MR)*MR*K*4 (the
//     weights are packed once per call, then reused for every image).
//   conv2d_bwd_data(dy, w, dx, C,H,W, O,KH,KW, SH,SW,PH,PW, OH,OW, n0,n1, c0,c1, cols, gs, nb)
//     dx[n, c0:c1] = col2im(W[:, c0:c1]^T . dy[n]) for images n0..n1, input channels c0..c1 (overwrites).
//     cols: packedA((c1-c0)*KH*KW, O) + 64 + (c1-c0)*KH*KW*OH*OW*4 bytes.
//   conv2d_bwd_weight(x, dy, dw, flags, C,H,W, O,KH,KW, SH,SW,PH,PW, OH,OW, n0,n1, r0,r1, cols, gs, nb)
//     dw[:, r0:r1] (+)= sum_n dy[n] . im2col(x[n])[r0:r1, :]^T, r = (c*KH + kh)*KW + kw;
//     flags 1: accumulate onto dw. cols: (r1-r0)*OH*OW*4 bytes.
//   im2col(x, C,H,W, KH,KW, SH,SW,PH,PW, OH,OW, r0,r1, p0,p1, dst): dst[(r-r0)*(p1-p0) + p-p0] for one image.
//   col2im(cols, dx, C,H,W, KH,KW, SH,SW,PH,PW, OH,OW, r0,r1): dx[c,ih,iw] += cols[(r-r0)*OH*OW + p].
// nb > 1 (small images, im2col path, whole images per thread): nb images side by side in one GEMM of width
//   (forward, backward-data) or depth (backward-weight) nb*OH*OW; the scratch then also holds the wide
//   operand: fwd + O*nb*OH*OW*4 (tmp output), bwd-data + O*nb*OH*OW*4 (gathered dy) + 64, bwd-weight
//   cols (r1-r0)*nb*OH*OW*4 + 64 + O*nb*OH*OW*4 (gathered dy); the im2col part grows by nb likewise.
// Work split: forward by images or output pixels, backward-data by images or input channels, backward-weight
// by columns r of dw (so no two threads write the same output and no reduction is needed).
import { g, s, i, params, locals, forLoop, at, mul, add, min, max } from './wat.mjs';

const GEO = ['C', 'H', 'W', 'O', 'KH', 'KW', 'SH', 'SW', 'PH', 'PW', 'OH', 'OW'];
const sub = (a, b) => `(i32.sub ${a} ${b})`;
const align64 = (x) => `(i32.and (i32.add ${x} (i32.const 63)) (i32.const -64))`;

export function conv2dWat() {
  return [helpers(), gather(), im2col(), col2im(), forward(), backwardData(), backwardWeight()].join('\n');
}

// $zero_f32(dst, unused, n): zero n floats (f32x4, then scalar).
// $gather_images(src, dst, nb, rows, len): dst[r][i*len + p] = src[i][r][p] for i < nb, r < rows, p < len
// (nb images of [rows, len] side by side as one [rows, nb*len] matrix), and the scatter back.
function gather() {
  const body = (toWide) => `
  ${forLoop('i', i(0), g('nb'), 1, `
    ${forLoop('r', i(0), g('rows'), 1, toWide
      ? `(memory.copy ${at(g('dst'), add(mul(g('r'), mul(g('nb'), g('len'))), mul(g('i'), g('len'))))} ${at(g('src'), mul(add(mul(g('i'), g('rows')), g('r')), g('len')))} ${mul(g('len'), i(4))})`
      : `(memory.copy ${at(g('dst'), mul(add(mul(g('i'), g('rows')), g('r')), g('len')))} ${at(g('src'), add(mul(g('r'), mul(g('nb'), g('len'))), mul(g('i'), g('len'))))} ${mul(g('len'), i(4))})`)}`)}`;
  return `
(func $gather_images ${params(['src', 'dst', 'nb', 'rows', 'len'])} ${locals(['i', 'r'])} ${body(true)})
(func $scatter_images ${params(['src', 'dst', 'nb', 'rows', 'len'])} ${locals(['i', 'r'])} ${body(false)})`;
}

function helpers() {
  const vecLoop = (name, body4, body1) => `
(func $${name} ${params(['dst', 'src', 'n'])} (local $end i32) (local $vend i32)
  ${s('end', at(g('dst'), g('n')))}
  ${s('vend', sub(g('end'), i(12)))}
  (block $vd (loop $vl
    (br_if $vd (i32.ge_s ${g('dst')} ${g('vend')}))
    ${body4}
    ${s('dst', add(g('dst'), i(16)))} ${s('src', add(g('src'), i(16)))}
    (br $vl)))
  (block $sd (loop $sl
    (br_if $sd (i32.ge_s ${g('dst')} ${g('end')}))
    ${body1}
    ${s('dst', add(g('dst'), i(4)))} ${s('src', add(g('src'), i(4)))}
    (br $sl))))`;
  return [
    vecLoop('zero_f32', `(v128.store ${g('dst')} (v128.const i32x4 0 0 0 0))`, `(f32.store ${g('dst')} (f32.const 0))`),
  ].join('\n');
}

// Shared walk over rows r and an output-pixel range, one output-row segment at a time (oh, ow advance
// incrementally; no division per segment). Each branch sees locals: row (byte offset of input row ih of
// channel c, when inside), d (byte offset in cols), ow, run, kw, and for stride 1 the valid range [lo, hi).
function walk(pRange, { outside, stride1, strided }) {
  return `
  ${s('KK', mul(g('KH'), g('KW')))}
  ${s('HW', mul(g('H'), g('W')))}
  ${forLoop('r', g('r0'), g('r1'), 1, `
    ${s('c', `(i32.div_u ${g('r')} ${g('KK')})`)}
    ${s('kh', `(i32.div_u (i32.rem_u ${g('r')} ${g('KK')}) ${g('KW')})`)}
    ${s('kw', `(i32.rem_u ${g('r')} ${g('KW')})`)}
    ${s('d', at(g('cols'), mul(sub(g('r'), g('r0')), g('ld'))))}
    ${s('p', pRange.from)}
    ${s('oh', `(i32.div_u ${g('p')} ${g('OW')})`)}
    ${s('ow', `(i32.rem_u ${g('p')} ${g('OW')})`)}
    ${s('lo0', sub(g('PW'), g('kw')))}
    ${s('hi0', sub(add(g('W'), g('PW')), g('kw')))}
    ${s('xc', at(g('x'), mul(g('c'), g('HW'))))}
    (block $seg_done (loop $seg
      (br_if $seg_done (i32.ge_s ${g('p')} ${pRange.to}))
      ${s('run', min(sub(g('OW'), g('ow')), sub(pRange.to, g('p'))))}
      ${s('ih', add(sub(mul(g('oh'), g('SH')), g('PH')), g('kh')))}
      (if (i32.ge_u ${g('ih')} ${g('H')})
        (then ${outside})
        (else
          ${s('row', at(g('xc'), mul(g('ih'), g('W'))))}
          (if (i32.eq ${g('SW')} (i32.const 1))
            (then
              ;; iw = ow' - PW + kw is inside [0, W) for ow' in [lo, hi)
              ${s('lo', min(max(g('ow'), g('lo0')), add(g('ow'), g('run'))))}
              ${s('hi', max(min(add(g('ow'), g('run')), g('hi0')), g('lo')))}
              ${stride1})
            (else ${strided}))))
      ${s('d', at(g('d'), g('run')))}
      ${s('p', add(g('p'), g('run')))}
      ${s('oh', add(g('oh'), i(1)))}
      ${s('ow', i(0))}
      (br $seg)))`)}`;
}

// Inline loops over n floats (no call per segment): zero, copy, accumulate.
const zeroN = (dst, n) => `
              ${s('q', dst)} ${s('e', at(g('q'), n))}
              (block $zd (loop $zl (br_if $zd (i32.ge_u ${g('q')} ${g('e')}))
                (f32.store ${g('q')} (f32.const 0)) ${s('q', add(g('q'), i(4)))} (br $zl)))`;
const copyN = (dst, src, n, accumulate) => {
  const v = accumulate ? `(f32x4.add (v128.load ${g('q')}) (v128.load ${g('q2')}))` : `(v128.load ${g('q2')})`;
  const f = accumulate ? `(f32.add (f32.load ${g('q')}) (f32.load ${g('q2')}))` : `(f32.load ${g('q2')})`;
  return `
              ${s('q', dst)} ${s('q2', src)} ${s('e', at(g('q'), n))}
              (block $cvd (loop $cvl (br_if $cvd (i32.gt_s (i32.add ${g('q')} (i32.const 16)) ${g('e')}))
                (v128.store ${g('q')} ${v}) ${s('q', add(g('q'), i(16)))} ${s('q2', add(g('q2'), i(16)))} (br $cvl)))
              (block $csd (loop $csl (br_if $csd (i32.ge_u ${g('q')} ${g('e')}))
                (f32.store ${g('q')} ${f}) ${s('q', add(g('q'), i(4)))} ${s('q2', add(g('q2'), i(4)))} (br $csl)))`;
};

const WALK_LOCALS = ['KK', 'HW', 'r', 'c', 'kh', 'kw', 'd', 'p', 'oh', 'ow', 'run', 'ih', 'iw', 'row', 'lo', 'hi', 'q', 'q2', 'e', 'lo0', 'hi0', 'xc'];

function im2col() {
  // x here is one image; `cols` is dst
  return `
(func $im2col (export "im2col") ${params(['x', ...GEO.filter((n) => n !== 'O'), 'r0', 'r1', 'p0', 'p1', 'cols'])}
  (call $im2col_ld ${['x', ...GEO.filter((n) => n !== 'O'), 'r0', 'r1', 'p0', 'p1', 'cols'].map(g).join(' ')} ${sub(g('p1'), g('p0'))}))
;; im2col with an explicit row stride ld (elements) of the destination
(func $im2col_ld ${params(['x', ...GEO.filter((n) => n !== 'O'), 'r0', 'r1', 'p0', 'p1', 'cols', 'ld'])}
  ${locals(WALK_LOCALS)}
  ${walk({ from: g('p0'), to: g('p1'), count: sub(g('p1'), g('p0')) }, {
    outside: zeroN(g('d'), g('run')),
    stride1: `
              ${zeroN(g('d'), sub(g('lo'), g('ow')))}
              ${copyN(at(g('d'), sub(g('lo'), g('ow'))), at(g('row'), add(sub(g('lo'), g('PW')), g('kw'))), sub(g('hi'), g('lo')), false)}
              ${zeroN(at(g('d'), sub(g('hi'), g('ow'))), sub(add(g('ow'), g('run')), g('hi')))}`,
    strided: `
              ${s('iw', add(sub(mul(g('ow'), g('SW')), g('PW')), g('kw')))}
              ${forLoop('q', i(0), g('run'), 1, `
                (f32.store ${at(g('d'), g('q'))}
                  (if (result f32) (i32.lt_u ${g('iw')} ${g('W')}) (then (f32.load ${at(g('row'), g('iw'))})) (else (f32.const 0))))
                ${s('iw', add(g('iw'), g('SW')))}`)}`,
  })})`;
}

function col2im() {
  // here x is dx of one image (accumulated into), cols the source
  return `
(func $col2im (export "col2im") ${params(['cols', 'x', ...GEO.filter((n) => n !== 'O'), 'r0', 'r1'])}
  (call $col2im_ld ${['cols', 'x', ...GEO.filter((n) => n !== 'O'), 'r0', 'r1'].map(g).join(' ')} ${mul(g('OH'), g('OW'))}))
;; col2im reading cols rows with an explicit stride ld (elements)
(func $col2im_ld ${params(['cols', 'x', ...GEO.filter((n) => n !== 'O'), 'r0', 'r1', 'ld'])}
  ${locals(WALK_LOCALS)} (local $p0 i32) (local $p1 i32)
  ${s('p1', mul(g('OH'), g('OW')))}
  ${walk({ from: i(0), to: g('p1'), count: g('p1') }, {
    outside: '(nop)',
    stride1: copyN(at(g('row'), add(sub(g('lo'), g('PW')), g('kw'))), at(g('d'), sub(g('lo'), g('ow'))), sub(g('hi'), g('lo')), true),
    strided: `
              ${s('iw', add(sub(mul(g('ow'), g('SW')), g('PW')), g('kw')))}
              ${forLoop('q', i(0), g('run'), 1, `
                (if (i32.lt_u ${g('iw')} ${g('W')}) (then
                  (f32.store ${at(g('row'), g('iw'))} (f32.add (f32.load ${at(g('row'), g('iw'))}) (f32.load ${at(g('d'), g('q'))})))))
                ${s('iw', add(g('iw'), g('SW')))}`)}`,
  })})`;
}

const direct = `(i32.and (i32.and (i32.eq ${g('KH')} (i32.const 1)) (i32.eq ${g('KW')} (i32.const 1)))
    (i32.and (i32.and (i32.eq ${g('SH')} (i32.const 1)) (i32.eq ${g('SW')} (i32.const 1)))
      (i32.eqz (i32.or ${g('PH')} ${g('PW')}))))`;
const geoArgs = (skipO = true) => GEO.filter((n) => !skipO || n !== 'O').map(g).join(' ');

function forward() {
  return `
(func $conv2d_fwd (export "conv2d_fwd") ${params(['x', 'w', 'y', ...GEO, 'n0', 'n1', 'p0', 'p1', 'cols', 'gs', 'nb'])}
  ${locals(['n', 'CKK', 'OHW', 'np', 'xi', 'yi', 'B', 'ldb', 'direct', 'pa', 'k', 'wide', 'j', 'tmp'])}
  ${s('CKK', mul(mul(g('C'), g('KH')), g('KW')))}
  ${s('OHW', mul(g('OH'), g('OW')))}
  ${s('np', sub(g('p1'), g('p0')))}
  ${s('direct', direct)}
  ;; the weights are packed once for all images; im2col columns follow them in the scratch
  ${s('pa', g('cols'))}
  (call $gemm_pack_a_all (i32.const 0) ${g('w')} ${g('CKK')} ${g('O')} ${g('CKK')} ${g('pa')})
  ${s('cols', align64(add(g('pa'), `(call $gemm_packed_a_bytes ${g('O')} ${g('CKK')})`)))}
  (if (i32.gt_s ${g('nb')} (i32.const 1))
    (then
      ;; nb small images side by side: one GEMM of width nb*OH*OW into tmp, then scattered to y
      ${s('tmp', align64(at(g('cols'), mul(g('CKK'), mul(g('nb'), g('OHW'))))))}
      ${forLoop('n', g('n0'), g('n1'), g('nb'), `
        ${s('k', min(g('nb'), sub(g('n1'), g('n'))))}
        ${s('wide', mul(g('k'), g('OHW')))}
        ${forLoop('j', i(0), g('k'), 1, `
          (call $im2col_ld ${at(g('x'), mul(mul(add(g('n'), g('j')), g('C')), mul(g('H'), g('W'))))} ${geoArgs()} (i32.const 0) ${g('CKK')} (i32.const 0) ${g('OHW')}
            ${at(g('cols'), mul(g('j'), g('OHW')))} ${g('wide')})`)}
        (call $gemm (i32.const 0) (i32.const 0) ${g('O')} ${g('wide')} ${g('CKK')} ${g('pa')} ${g('CKK')} ${g('cols')} ${g('wide')}
          ${g('tmp')} ${g('wide')} (i32.const 16) (i32.const 0) ${g('O')} (i32.const 0) ${g('wide')} ${g('gs')})
        (call $scatter_images ${g('tmp')} ${at(g('y'), mul(mul(g('n'), g('O')), g('OHW')))} ${g('k')} ${g('O')} ${g('OHW')})`)}
      (return)))
  ${forLoop('n', g('n0'), g('n1'), 1, `
    ${s('xi', at(g('x'), mul(mul(g('n'), g('C')), mul(g('H'), g('W')))))}
    ${s('yi', at(g('y'), mul(mul(g('n'), g('O')), g('OHW'))))}
    (if ${g('direct')}
      (then ${s('B', at(g('xi'), g('p0')))} ${s('ldb', mul(g('H'), g('W')))})
      (else
        (call $im2col ${g('xi')} ${geoArgs()} (i32.const 0) ${g('CKK')} ${g('p0')} ${g('p1')} ${g('cols')})
        ${s('B', g('cols'))} ${s('ldb', g('np'))}))
    (call $gemm (i32.const 0) (i32.const 0) ${g('O')} ${g('np')} ${g('CKK')} ${g('pa')} ${g('CKK')} ${g('B')} ${g('ldb')}
      ${at(g('yi'), g('p0'))} ${g('OHW')} (i32.const 16) (i32.const 0) ${g('O')} (i32.const 0) ${g('np')} ${g('gs')})`)})`;
}

function backwardData() {
  return `
(func $conv2d_bwd_data (export "conv2d_bwd_data") ${params(['dy', 'w', 'x', ...GEO, 'n0', 'n1', 'c0', 'c1', 'cols', 'gs', 'nb'])}
  ${locals(['n', 'KK', 'CKK', 'OHW', 'HW', 'rows', 'dyi', 'xi', 'pa', 'k', 'wide', 'j', 'bw'])}
  ${s('KK', mul(g('KH'), g('KW')))}
  ${s('CKK', mul(g('C'), g('KK')))}
  ${s('OHW', mul(g('OH'), g('OW')))}
  ${s('HW', mul(g('H'), g('W')))}
  ${s('rows', mul(sub(g('c1'), g('c0')), g('KK')))}
  ;; W^T rows of this channel range, packed once for all images (a 1x1 direct conv has KK = 1, so the
  ;; same call packs W[:, c0:c1]^T); the column buffer follows
  ${s('pa', g('cols'))}
  (call $gemm_pack_a_all (i32.const 1) ${at(g('w'), mul(g('c0'), g('KK')))} ${g('CKK')} ${g('rows')} ${g('O')} ${g('pa')})
  ${s('cols', align64(add(g('pa'), `(call $gemm_packed_a_bytes ${g('rows')} ${g('O')})`)))}
  (if (i32.gt_s ${g('nb')} (i32.const 1))
    (then
      ;; nb small images: dy gathered side by side [O, nb*OH*OW], one GEMM, then col2im per image
      ${s('bw', align64(at(g('cols'), mul(g('rows'), mul(g('nb'), g('OHW'))))))}
      ${forLoop('n', g('n0'), g('n1'), g('nb'), `
        ${s('k', min(g('nb'), sub(g('n1'), g('n'))))}
        ${s('wide', mul(g('k'), g('OHW')))}
        (call $gather_images ${at(g('dy'), mul(mul(g('n'), g('O')), g('OHW')))} ${g('bw')} ${g('k')} ${g('O')} ${g('OHW')})
        (call $gemm (i32.const 1) (i32.const 0) ${g('rows')} ${g('wide')} ${g('O')} ${g('pa')} ${g('CKK')}
          ${g('bw')} ${g('wide')} ${g('cols')} ${g('wide')} (i32.const 16)
          (i32.const 0) ${g('rows')} (i32.const 0) ${g('wide')} ${g('gs')})
        ${forLoop('j', i(0), g('k'), 1, `
          ${s('xi', at(g('x'), mul(mul(add(g('n'), g('j')), g('C')), g('HW'))))}
          (call $zero_f32 ${at(g('xi'), mul(g('c0'), g('HW')))} (i32.const 0) ${mul(sub(g('c1'), g('c0')), g('HW'))})
          (call $col2im_ld ${at(g('cols'), mul(g('j'), g('OHW')))} ${g('xi')} ${geoArgs()} ${mul(g('c0'), g('KK'))} ${mul(g('c1'), g('KK'))} ${g('wide')})`)}`)}
      (return)))
  ${forLoop('n', g('n0'), g('n1'), 1, `
    ${s('dyi', at(g('dy'), mul(mul(g('n'), g('O')), g('OHW'))))}
    ${s('xi', at(g('x'), mul(mul(g('n'), g('C')), g('HW'))))}
    (if ${direct}
      (then
        (call $gemm (i32.const 1) (i32.const 0) ${sub(g('c1'), g('c0'))} ${g('OHW')} ${g('O')} ${g('pa')} ${g('C')}
          ${g('dyi')} ${g('OHW')} ${at(g('xi'), mul(g('c0'), g('HW')))} ${g('HW')} (i32.const 16)
          (i32.const 0) ${sub(g('c1'), g('c0'))} (i32.const 0) ${g('OHW')} ${g('gs')}))
      (else
        (call $gemm (i32.const 1) (i32.const 0) ${g('rows')} ${g('OHW')} ${g('O')} ${g('pa')} ${g('CKK')}
          ${g('dyi')} ${g('OHW')} ${g('cols')} ${g('OHW')} (i32.const 16)
          (i32.const 0) ${g('rows')} (i32.const 0) ${g('OHW')} ${g('gs')})
        (call $zero_f32 ${at(g('xi'), mul(g('c0'), g('HW')))} (i32.const 0) ${mul(sub(g('c1'), g('c0')), g('HW'))})
        (call $col2im ${g('cols')} ${g('xi')} ${geoArgs()} ${mul(g('c0'), g('KK'))} ${mul(g('c1'), g('KK'))})))`)})`;
}

function backwardWeight() {
  return `
(func $conv2d_bwd_weight (export "conv2d_bwd_weight") ${params(['x', 'dy', 'dw', 'flags', ...GEO, 'n0', 'n1', 'r0', 'r1', 'cols', 'gs', 'nb'])}
  ${locals(['n', 'CKK', 'OHW', 'HW', 'nr', 'xi', 'dyi', 'B', 'ldb', 'fl', 'direct', 'k', 'wide', 'j', 'aw'])}
  ${s('CKK', mul(mul(g('C'), g('KH')), g('KW')))}
  ${s('OHW', mul(g('OH'), g('OW')))}
  ${s('HW', mul(g('H'), g('W')))}
  ${s('nr', sub(g('r1'), g('r0')))}
  ${s('direct', direct)}
  ${s('fl', `(i32.and ${g('flags')} (i32.const 1))`)}
  (if (i32.and (i32.ge_s ${g('n0')} ${g('n1')}) (i32.eqz ${g('fl')})) (then
    ${forLoop('n', i(0), g('O'), 1, `(call $zero_f32 ${at(g('dw'), add(mul(g('n'), g('CKK')), g('r0')))} (i32.const 0) ${g('nr')})`)}))
  (if (i32.gt_s ${g('nb')} (i32.const 1))
    (then
      ;; nb small images: dy gathered [O, nb*OH*OW], their columns side by side, one GEMM of depth nb*OH*OW
      ${s('aw', align64(at(g('cols'), mul(g('nr'), mul(g('nb'), g('OHW'))))))}
      ${forLoop('n', g('n0'), g('n1'), g('nb'), `
        ${s('k', min(g('nb'), sub(g('n1'), g('n'))))}
        ${s('wide', mul(g('k'), g('OHW')))}
        (call $gather_images ${at(g('dy'), mul(mul(g('n'), g('O')), g('OHW')))} ${g('aw')} ${g('k')} ${g('O')} ${g('OHW')})
        ${forLoop('j', i(0), g('k'), 1, `
          (call $im2col_ld ${at(g('x'), mul(mul(add(g('n'), g('j')), g('C')), g('HW')))} ${geoArgs()} ${g('r0')} ${g('r1')} (i32.const 0) ${g('OHW')}
            ${at(g('cols'), mul(g('j'), g('OHW')))} ${g('wide')})`)}
        (call $gemm (i32.const 0) (i32.const 1) ${g('O')} ${g('nr')} ${g('wide')} ${g('aw')} ${g('wide')} ${g('cols')} ${g('wide')}
          ${at(g('dw'), g('r0'))} ${g('CKK')} ${g('fl')} (i32.const 0) ${g('O')} (i32.const 0) ${g('nr')} ${g('gs')})
        ${s('fl', i(1))}`)}
      (return)))
  ${forLoop('n', g('n0'), g('n1'), 1, `
    ${s('xi', at(g('x'), mul(mul(g('n'), g('C')), g('HW'))))}
    ${s('dyi', at(g('dy'), mul(mul(g('n'), g('O')), g('OHW'))))}
    (if ${g('direct')}
      (then ${s('B', at(g('xi'), mul(g('r0'), g('HW'))))} ${s('ldb', g('HW'))})
      (else
        (call $im2col ${g('xi')} ${geoArgs()} ${g('r0')} ${g('r1')} (i32.const 0) ${g('OHW')} ${g('cols')})
        ${s('B', g('cols'))} ${s('ldb', g('OHW'))}))
    (call $gemm (i32.const 0) (i32.const 1) ${g('O')} ${g('nr')} ${g('OHW')} ${g('dyi')} ${g('OHW')} ${g('B')} ${g('ldb')}
      ${at(g('dw'), g('r0'))} ${g('CKK')} ${g('fl')} (i32.const 0) ${g('O')} (i32.const 0) ${g('nr')} ${g('gs')})
    ${s('fl', i(1))}`)})`;
}
