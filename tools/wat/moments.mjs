// The moments kernel (generator of WAT text; internal to the build): per-channel mean and biased variance of
// x viewed as [N, C, HW] (the core's moments op; batch norm's statistics), two passes (the mean, then the
// squared deviations from it), accumulated in f64.
//
//   moments(x, mean, var, N, C, HW, c0, c1): mean[c] and var[c] for c0 <= c < c1 (threads split channels).
//     HW > 1: per plane, f32x4 partial sums added in f64 per plane. HW = 1 ([N, C] rows, BatchNorm1d):
//     four channels at a time down the rows, in f64x2 lanes; leftover channels one by one.
import { g, s, i, params, locals, forLoop, at, mul, add } from './wat.mjs';

// $plane_sum(p, n, center, mode) -> f64: sum of (x - center) (mode 0) or (x - center)^2 (mode 1) over n floats.
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
  (f64.promote_f32 ${g('t')}))`;
}

const CH = ['N', 'C', 'HW', 'c0', 'c1'];
const plane = (base, n, c) => at(base, mul(add(mul(n, g('C')), c), g('HW')));

/** One channel: the two passes over its N planes of HW floats. */
function channel() {
  return `
    ${s('acc', '(f64.const 0)')}
    ${forLoop('n', i(0), g('N'), 1, s('acc', `(f64.add ${g('acc')} (call $plane_sum ${plane(g('x'), g('n'), g('c'))} ${g('HW')} (f32.const 0) (i32.const 0)))`))}
    ${s('m', `(f32.demote_f64 (f64.div ${g('acc')} ${g('cnt')}))`)}
    (f32.store ${at(g('mean'), g('c'))} ${g('m')})
    ${s('acc', '(f64.const 0)')}
    ${forLoop('n', i(0), g('N'), 1, s('acc', `(f64.add ${g('acc')} (call $plane_sum ${plane(g('x'), g('n'), g('c'))} ${g('HW')} ${g('m')} (i32.const 1)))`))}
    (f32.store ${at(g('var'), g('c'))} (f32.demote_f64 (f64.div ${g('acc')} ${g('cnt')})))`;
}

/** Four channels of [N, C] rows: lanes 0-1 and 2-3 accumulate in two f64x2. */
function fourChannels() {
  const lo = (v) => `(f64x2.promote_low_f32x4 ${v})`;
  const hi = (v) => `(f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 ${v} ${v}))`;
  const row = () => `(v128.load ${at(g('x'), add(mul(g('n'), g('C')), g('c')))})`;
  const sumRows = (term) => `
    ${s('lo', '(v128.const f64x2 0 0)')} ${s('hi', '(v128.const f64x2 0 0)')}
    ${forLoop('n', i(0), g('N'), 1, `
      ${s('v', term(row()))}
      ${s('lo', `(f64x2.add ${g('lo')} ${lo(g('v'))})`)}
      ${s('hi', `(f64x2.add ${g('hi')} ${hi(g('v'))})`)}`)}
    ${s('lo', `(f64x2.div ${g('lo')} (f64x2.splat ${g('cnt')}))`)}
    ${s('hi', `(f64x2.div ${g('hi')} (f64x2.splat ${g('cnt')}))`)}
    ${s('v', `(i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero ${g('lo')}) (f32x4.demote_f64x2_zero ${g('hi')}))`)}`;
  return `
    ${sumRows((r) => r)}
    ${s('mv', g('v'))}
    (v128.store ${at(g('mean'), g('c'))} ${g('mv')})
    ${sumRows((r) => `(f32x4.mul (f32x4.sub ${r} ${g('mv')}) (f32x4.sub ${r} ${g('mv')}))`)}
    (v128.store ${at(g('var'), g('c'))} ${g('v')})`;
}

function moments() {
  return `
(func $moments (export "moments") ${params(['x', 'mean', 'var', ...CH])} ${locals(['c', 'n'])} (local $acc f64) (local $m f32) (local $cnt f64)
  ${locals(['lo', 'hi', 'v', 'mv'], 'v128')}
  ${s('cnt', `(f64.convert_i32_s ${mul(g('N'), g('HW'))})`)}
  ${s('c', g('c0'))}
  (if (i32.eq ${g('HW')} (i32.const 1)) (then
    (block $d4 (loop $l4
      (br_if $d4 (i32.gt_s (i32.add ${g('c')} (i32.const 4)) ${g('c1')}))
      ${fourChannels()}
      ${s('c', add(g('c'), i(4)))}
      (br $l4)))))
  (block $done (loop $each
    (br_if $done (i32.ge_s ${g('c')} ${g('c1')}))
    ${channel()}
    ${s('c', add(g('c'), i(1)))}
    (br $each))))`;
}

export function momentsWat() {
  return [planeSum(), moments()].join('\n');
}
