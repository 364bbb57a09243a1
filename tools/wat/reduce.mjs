// Reductions along one axis (generator of WAT text; internal to the build).
//
//   reduce_sum(x, y, outer, axis, inner, stride, scale), reduce_max(... same ...):
//     y[o*stride + j] = scale * sum_a x[(o*axis + a)*stride + j]      (max: no scale; -inf for axis = 0)
//     for o < outer, j < inner. A tensor viewed as [outer, axis, stride] reduces its middle axis with
//     inner = stride; a thread may take the columns j0..j1 by offsetting x and y by j0 and passing
//     inner = j1 - j0 (stride stays). Last-axis reductions (stride = inner = 1) use 16-lane horizontal
//     accumulation; others walk down the axis 16 columns at a time.
import { g, s, i, params, locals, forLoop, at, mul, add } from './wat.mjs';

const OPS = [
  { name: 'sum', init: '(v128.const f32x4 0 0 0 0)', op: 'f32x4.add', h: '$hsum', scalar: 'f32.add', initS: '(f32.const 0)' },
  { name: 'max', init: '(v128.const f32x4 -inf -inf -inf -inf)', op: 'f32x4.max', h: '$hmax', scalar: 'f32.max', initS: '(f32.const -inf)' },
];

export function reduceWat() {
  return OPS.map(reduce).join('\n');
}

function reduce({ name, init, op, h, scalar, initS }) {
  const scaled = (v) => (name === 'sum' ? `(f32x4.mul ${v} ${g('vs')})` : v);
  const scaledS = (v) => (name === 'sum' ? `(f32.mul ${v} ${g('scale')})` : v);
  const accs = [0, 1, 2, 3].map((q) => `c${q}`);
  return `
(func $reduce_${name} (export "reduce_${name}") ${params(['x', 'y', 'outer', 'axis', 'inner', 'stride'])} (param $scale f32)
  ${locals(['o', 'a', 'j', 'p', 'end', 'rowb', 'xo', 'yo'])} ${locals([...accs, 'vs'], 'v128')} (local $t f32)
  ${s('vs', `(f32x4.splat ${g('scale')})`)}
  ${s('rowb', mul(g('stride'), i(4)))}
  (if (i32.and (i32.eq ${g('stride')} (i32.const 1)) (i32.eq ${g('inner')} (i32.const 1)))
    (then
      ${forLoop('o', i(0), g('outer'), 1, `
        ${s('p', at(g('x'), mul(g('o'), g('axis'))))}
        ${s('end', at(g('p'), g('axis')))}
        ${accs.map((c) => s(c, init)).join(' ')}
        (block $hd (loop $hl
          (br_if $hd (i32.gt_s (i32.add ${g('p')} (i32.const 64)) ${g('end')}))
          ${accs.map((c, q) => s(c, `(${op} ${g(c)} (v128.load offset=${16 * q} ${g('p')}))`)).join('\n          ')}
          ${s('p', add(g('p'), i(64)))}
          (br $hl)))
        (block $h4d (loop $h4l
          (br_if $h4d (i32.gt_s (i32.add ${g('p')} (i32.const 16)) ${g('end')}))
          ${s('c0', `(${op} ${g('c0')} (v128.load ${g('p')}))`)}
          ${s('p', add(g('p'), i(16)))}
          (br $h4l)))
        ${s('t', `(call ${h} (${op} (${op} ${g('c0')} ${g('c1')}) (${op} ${g('c2')} ${g('c3')})))`)}
        (block $h1d (loop $h1l
          (br_if $h1d (i32.ge_s ${g('p')} ${g('end')}))
          ${s('t', `(${scalar} ${g('t')} (f32.load ${g('p')}))`)}
          ${s('p', add(g('p'), i(4)))}
          (br $h1l)))
        (f32.store ${at(g('y'), g('o'))} ${scaledS(g('t'))})`)})
    (else
      ${forLoop('o', i(0), g('outer'), 1, `
        ${s('xo', at(g('x'), mul(mul(g('o'), g('axis')), g('stride'))))}
        ${s('yo', at(g('y'), mul(g('o'), g('stride'))))}
        ;; 16 columns at a time
        ${s('j', i(0))}
        (block $cd (loop $cl
          (br_if $cd (i32.gt_s (i32.add ${g('j')} (i32.const 16)) ${g('inner')}))
          ${accs.map((c) => s(c, init)).join(' ')}
          ${s('p', at(g('xo'), g('j')))}
          ${forLoop('a', i(0), g('axis'), 1, `
            ${accs.map((c, q) => s(c, `(${op} ${g(c)} (v128.load offset=${16 * q} ${g('p')}))`)).join('\n            ')}
            ${s('p', add(g('p'), g('rowb')))}`)}
          ${accs.map((c, q) => `(v128.store offset=${16 * q} ${at(g('yo'), g('j'))} ${scaled(g(c))})`).join('\n          ')}
          ${s('j', add(g('j'), i(16)))}
          (br $cl)))
        ;; then 4, then 1
        (block $c4d (loop $c4l
          (br_if $c4d (i32.gt_s (i32.add ${g('j')} (i32.const 4)) ${g('inner')}))
          ${s('c0', init)}
          ${s('p', at(g('xo'), g('j')))}
          ${forLoop('a', i(0), g('axis'), 1, `
            ${s('c0', `(${op} ${g('c0')} (v128.load ${g('p')}))`)}
            ${s('p', add(g('p'), g('rowb')))}`)}
          (v128.store ${at(g('yo'), g('j'))} ${scaled(g('c0'))})
          ${s('j', add(g('j'), i(4)))}
          (br $c4l)))
        (block $c1d (loop $c1l
          (br_if $c1d (i32.ge_s ${g('j')} ${g('inner')}))
          ${s('t', initS)}
          ${s('p', at(g('xo'), g('j')))}
          ${forLoop('a', i(0), g('axis'), 1, `
            ${s('t', `(${scalar} ${g('t')} (f32.load ${g('p')}))`)}
            ${s('p', add(g('p'), g('rowb')))}`)}
          (f32.store ${at(g('yo'), g('j'))} ${scaledS(g('t'))})
          ${s('j', add(g('j'), i(1)))}
          (br $c1l)))`)})))`;
}
