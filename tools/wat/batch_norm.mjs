// Per-channel kernels over NCHW (generator of WAT text; internal to the build): batch-norm statistics,
// the bias gradient of a convolution, and per-channel affine maps.
//
//   channel_sum(x, out, N, C, HW, c0, c1): out[c] = sum_{n,hw} x[n,c,hw] for c0 <= c < c1 (bias grad).
//   batch_norm_stats(x, mean, var, N, C, HW, c0, c1): mean[c] and biased variance var[c] over (n, hw),
//     two passes (mean, then squared deviations), f32x4 partial sums added in f64 per plane.
//   batch_norm_bwd_reduce(dy, x, mean, sumDy, sumDyXmu, N, C, HW, c0, c1):
//     sumDy[c] = sum dy, sumDyXmu[c] = sum dy * (x - mean[c]).
//   channel_affine(x, y, scale, shift, N, C, HW, c0, c1): y = x * scale[c] + shift[c]
//     (batch-norm forward with scale = gamma * invstd, shift = beta - mean * scale).
//   channel_affine2(a, b, y, sa, sb, shift, N, C, HW, c0, c1): y = a * sa[c] + b * sb[c] + shift[c]
//     (batch-norm input gradient with a = dy, b = x and coefficients computed per channel by the caller).
// Threads split channels [c0, c1).
import { g, s, i, params, locals, forLoop, at, mul, add } from './wat.mjs';

// $plane_sum(p, n, center) -> f64: sum of (x - center) (mode 0) or (x - center)^2 (mode 1) over n floats.
function planeSum() {
  return `
(func $plane_sum ${params(['p', 'n'])} (param $center f32) (param $mode i32) (result f64)
  ${locals(['end'])} ${locals(['a0', 'a1', 'v', 'c'], 'v128')} (local $t f32)
  ${s('c', `(f32x4.splat ${g('center')})`)}
  ${s('end', at(g('p'), g('n')))}
  (block $d8 (loop $l8
    (br_if $d8 (i32.gt_s (i32.add ${g('p')} (i32.const 32)) ${g('end')}))
    ${s('v', `(f32x4.sub (v128.load ${g('p')}) ${g('c')})`)}
    (if ${g('mode')} (then ${s('v', `(f32x4.mul ${g('v')} ${g('v')})`)}))
    ${s('a0', `(f32x4.add ${g('a0')} ${g('v')})`)}
    ${s('v', `(f32x4.sub (v128.load offset=16 ${g('p')}) ${g('c')})`)}
    (if ${g('mode')} (then ${s('v', `(f32x4.mul ${g('v')} ${g('v')})`)}))
    ${s('a1', `(f32x4.add ${g('a1')} ${g('v')})`)}
    ${s('p', add(g('p'), i(32)))}
    (br $l8)))
  ${s('t', `(call $hsum (f32x4.add ${g('a0')} ${g('a1')}))`)}
  (block $d1 (loop $l1
    (br_if $d1 (i32.ge_s ${g('p')} ${g('end')}))
    ${s('v', `(f32x4.sub (v128.load32_zero ${g('p')}) ${g('c')})`)}
    (if ${g('mode')} (then ${s('v', `(f32x4.mul ${g('v')} ${g('v')})`)}))
    ${s('t', `(f32.add ${g('t')} (f32x4.extract_lane 0 ${g('v')}))`)}
    ${s('p', add(g('p'), i(4)))}
    (br $l1)))
  (f64.promote_f32 ${g('t')}))

;; sum of dy and of dy * (x - center) over n floats, into the two f64 globals below
(global $dot_a (mut f64) (f64.const 0))
(global $dot_b (mut f64) (f64.const 0))
(func $plane_dot ${params(['pd', 'px', 'n'])} (param $center f32)
  ${locals(['end'])} ${locals(['a0', 'a1', 'd', 'c'], 'v128')}
  ${s('c', `(f32x4.splat ${g('center')})`)}
  ${s('end', at(g('pd'), g('n')))}
  (block $d4 (loop $l4
    (br_if $d4 (i32.gt_s (i32.add ${g('pd')} (i32.const 16)) ${g('end')}))
    ${s('d', `(v128.load ${g('pd')})`)}
    ${s('a0', `(f32x4.add ${g('a0')} ${g('d')})`)}
    ${s('a1', `(f32x4.add ${g('a1')} (f32x4.mul ${g('d')} (f32x4.sub (v128.load ${g('px')}) ${g('c')})))`)}
    ${s('pd', add(g('pd'), i(16)))} ${s('px', add(g('px'), i(16)))}
    (br $l4)))
  (block $d1 (loop $l1
    (br_if $d1 (i32.ge_s ${g('pd')} ${g('end')}))
    ${s('d', `(v128.load32_zero ${g('pd')})`)}
    ${s('a0', `(f32x4.add ${g('a0')} ${g('d')})`)}
    ${s('a1', `(f32x4.add ${g('a1')} (f32x4.mul ${g('d')} (f32x4.sub (v128.load32_zero ${g('px')}) ${g('c')})))`)}
    ${s('pd', add(g('pd'), i(4)))} ${s('px', add(g('px'), i(4)))}
    (br $l1)))
  (global.set $dot_a (f64.add (global.get $dot_a) (f64.promote_f32 (call $hsum ${g('a0')}))))
  (global.set $dot_b (f64.add (global.get $dot_b) (f64.promote_f32 (call $hsum ${g('a1')})))))`;
}

const CH = ['N', 'C', 'HW', 'c0', 'c1'];
const plane = (base, n, c) => at(base, mul(add(mul(n, g('C')), c), g('HW')));

function channelSum() {
  return `
(func $channel_sum (export "channel_sum") ${params(['x', 'out', ...CH])} ${locals(['c', 'n'])} (local $acc f64)
  ${forLoop('c', g('c0'), g('c1'), 1, `
    ${s('acc', '(f64.const 0)')}
    ${forLoop('n', i(0), g('N'), 1, s('acc', `(f64.add ${g('acc')} (call $plane_sum ${plane(g('x'), g('n'), g('c'))} ${g('HW')} (f32.const 0) (i32.const 0)))`))}
    (f32.store ${at(g('out'), g('c'))} (f32.demote_f64 ${g('acc')}))`)})`;
}

function stats() {
  return `
(func $batch_norm_stats (export "batch_norm_stats") ${params(['x', 'mean', 'var', ...CH])} ${locals(['c', 'n'])} (local $acc f64) (local $m f32) (local $cnt f64)
  ${s('cnt', `(f64.convert_i32_s ${mul(g('N'), g('HW'))})`)}
  ${forLoop('c', g('c0'), g('c1'), 1, `
    ${s('acc', '(f64.const 0)')}
    ${forLoop('n', i(0), g('N'), 1, s('acc', `(f64.add ${g('acc')} (call $plane_sum ${plane(g('x'), g('n'), g('c'))} ${g('HW')} (f32.const 0) (i32.const 0)))`))}
    ${s('m', `(f32.demote_f64 (f64.div ${g('acc')} ${g('cnt')}))`)}
    (f32.store ${at(g('mean'), g('c'))} ${g('m')})
    ${s('acc', '(f64.const 0)')}
    ${forLoop('n', i(0), g('N'), 1, s('acc', `(f64.add ${g('acc')} (call $plane_sum ${plane(g('x'), g('n'), g('c'))} ${g('HW')} ${g('m')} (i32.const 1)))`))}
    (f32.store ${at(g('var'), g('c'))} (f32.demote_f64 (f64.div ${g('acc')} ${g('cnt')})))`)})`;
}

function bwdReduce() {
  return `
(func $batch_norm_bwd_reduce (export "batch_norm_bwd_reduce") ${params(['dy', 'x', 'mean', 'sumDy', 'sumDyXmu', ...CH])} ${locals(['c', 'n'])}
  ${forLoop('c', g('c0'), g('c1'), 1, `
    (global.set $dot_a (f64.const 0)) (global.set $dot_b (f64.const 0))
    ${forLoop('n', i(0), g('N'), 1, `(call $plane_dot ${plane(g('dy'), g('n'), g('c'))} ${plane(g('x'), g('n'), g('c'))} ${g('HW')} (f32.load ${at(g('mean'), g('c'))}))`)}
    (f32.store ${at(g('sumDy'), g('c'))} (f32.demote_f64 (global.get $dot_a)))
    (f32.store ${at(g('sumDyXmu'), g('c'))} (f32.demote_f64 (global.get $dot_b)))`)})`;
}

function affine(two) {
  const name = two ? 'channel_affine2' : 'channel_affine';
  const ps = two ? ['a', 'b', 'y', 'sa', 'sb', 'shift'] : ['a', 'y', 'sa', 'shift'];
  const vec = (load) => two
    ? `(f32x4.add (f32x4.add (f32x4.mul (${load} ${g('pa')}) ${g('va')}) (f32x4.mul (${load} ${g('pb')}) ${g('vb')})) ${g('vs')})`
    : `(f32x4.add (f32x4.mul (${load} ${g('pa')}) ${g('va')}) ${g('vs')})`;
  const adv = (n) => `${s('pa', add(g('pa'), i(n)))} ${two ? s('pb', add(g('pb'), i(n))) : ''} ${s('py', add(g('py'), i(n)))}`;
  return `
(func $${name} (export "${name}") ${params([...ps, ...CH])} ${locals(['c', 'n', 'pa', 'pb', 'py', 'end', 'vend'])} ${locals(['va', 'vb', 'vs'], 'v128')}
  ${forLoop('c', g('c0'), g('c1'), 1, `
    ${s('va', `(v128.load32_splat ${at(g('sa'), g('c'))})`)}
    ${two ? s('vb', `(v128.load32_splat ${at(g('sb'), g('c'))})`) : ''}
    ${s('vs', `(v128.load32_splat ${at(g('shift'), g('c'))})`)}
    ${forLoop('n', i(0), g('N'), 1, `
      ${s('pa', plane(g('a'), g('n'), g('c')))}
      ${two ? s('pb', plane(g('b'), g('n'), g('c'))) : ''}
      ${s('py', plane(g('y'), g('n'), g('c')))}
      ${s('end', at(g('py'), g('HW')))}
      ${s('vend', `(i32.sub ${g('end')} (i32.const 12))`)}
      (block $vd (loop $vl
        (br_if $vd (i32.ge_s ${g('py')} ${g('vend')}))
        (v128.store ${g('py')} ${vec('v128.load')})
        ${adv(16)}
        (br $vl)))
      (block $sd (loop $sl
        (br_if $sd (i32.ge_s ${g('py')} ${g('end')}))
        (f32.store ${g('py')} (f32x4.extract_lane 0 ${vec('v128.load32_zero')}))
        ${adv(4)}
        (br $sl)))`)}`)})`;
}

export function batchNormWat() {
  return [planeSum(), channelSum(), stats(), bwdReduce(), affine(false), affine(true)].join('\n');
}
