// Softmax family over the last axis (generator of WAT text; internal to the build).
//
//   softmax(x, y, rows, cols):          y = exp(x - max) / sum exp(x - max), per row of [rows, cols]
//   log_softmax(x, y, rows, cols):      y = x - max - log(sum exp(x - max))
//   softmax_bwd(y, dy, dx, rows, cols): dx = y * (dy - sum(dy * y))
//   log_softmax_bwd(y, dy, dx, rows, cols): dx = dy - exp(y) * sum(dy)
// x may equal y (in place). Threads split rows (the runtime offsets the pointers).
import { g, s, i, params, locals, forLoop, at, mul, add } from './wat.mjs';

/** Loop over one row: `vec(off)` for each full 4-lane group, `one(off)` for each tail element (off = byte offset in the row). */
function rowLoop(tag, vec, one) {
  return `
    ${s('q', i(0))}
    (block $${tag}vd (loop $${tag}vl
      (br_if $${tag}vd (i32.gt_s (i32.add ${g('q')} (i32.const 16)) ${g('rowb')}))
      ${vec}
      ${s('q', add(g('q'), i(16)))}
      (br $${tag}vl)))
    (block $${tag}sd (loop $${tag}sl
      (br_if $${tag}sd (i32.ge_s ${g('q')} ${g('rowb')}))
      ${one}
      ${s('q', add(g('q'), i(4)))}
      (br $${tag}sl)))`;
}

const px = `(i32.add ${g('px')} ${g('q')})`;
const py = `(i32.add ${g('py')} ${g('q')})`;
const pd = `(i32.add ${g('pd')} ${g('q')})`;
const lane0 = (v) => `(f32x4.extract_lane 0 ${v})`;

function rowMax() {
  return `
    ${s('acc', '(v128.const f32x4 -inf -inf -inf -inf)')}
    ${s('t', '(f32.const -inf)')}
    ${rowLoop('m', s('acc', `(f32x4.max ${g('acc')} (v128.load ${px}))`), s('t', `(f32.max ${g('t')} (f32.load ${px}))`))}
    ${s('mx', `(f32x4.splat (f32.max ${g('t')} (call $hmax ${g('acc')})))`)}`;
}

function forward(name) {
  const log = name === 'log_softmax';
  // pass 2: e = exp(x - max); softmax stores e, log_softmax only sums it
  const storeVec = log ? '' : `(v128.store ${py} ${g('v')})`;
  const storeOne = log ? '' : `(f32.store ${py} ${lane0(g('v'))})`;
  const pass3 = log
    ? rowLoop('w', `(v128.store ${py} (f32x4.sub (v128.load ${px}) ${g('lse')}))`, `(f32.store ${py} (f32.sub (f32.load ${px}) ${lane0(g('lse'))}))`)
    : rowLoop('w', `(v128.store ${py} (f32x4.mul (v128.load ${py}) ${g('inv')}))`, `(f32.store ${py} (f32.mul (f32.load ${py}) ${lane0(g('inv'))}))`);
  return `
(func $${name} (export "${name}") ${params(['x', 'y', 'rows', 'cols'])}
  ${locals(['r', 'q', 'rowb', 'px', 'py'])} ${locals(['acc', 'mx', 'v', 'inv', 'lse'], 'v128')} (local $t f32) (local $sum f32)
  ${s('rowb', mul(g('cols'), i(4)))}
  ${forLoop('r', i(0), g('rows'), 1, `
    ${s('px', add(g('x'), mul(g('r'), g('rowb'))))}
    ${s('py', add(g('y'), mul(g('r'), g('rowb'))))}
    ${rowMax()}
    ${s('acc', '(v128.const f32x4 0 0 0 0)')}
    ${s('sum', '(f32.const 0)')}
    ${rowLoop('e', `${s('v', `(call $exp4 (f32x4.sub (v128.load ${px}) ${g('mx')}))`)} ${storeVec} ${s('acc', `(f32x4.add ${g('acc')} ${g('v')})`)}`,
      `${s('v', `(call $exp4 (f32x4.sub (v128.load32_zero ${px}) ${g('mx')}))`)} ${storeOne} ${s('sum', `(f32.add ${g('sum')} ${lane0(g('v'))})`)}`)}
    ${s('sum', `(f32.add ${g('sum')} (call $hsum ${g('acc')}))`)}
    ${log
      ? s('lse', `(f32x4.add ${g('mx')} (call $log4 (f32x4.splat ${g('sum')})))`)
      : s('inv', `(f32x4.splat (f32.div (f32.const 1) ${g('sum')}))`)}
    ${pass3}`)})`;
}

function backward(name) {
  const log = name === 'log_softmax_bwd';
  // s = sum(dy * y) (softmax) or sum(dy) (log_softmax)
  const dotVec = log ? `(v128.load ${pd})` : `(f32x4.mul (v128.load ${pd}) (v128.load ${py}))`;
  const dotOne = log ? `(f32.load ${pd})` : `(f32.mul (f32.load ${pd}) (f32.load ${py}))`;
  const outVec = log
    ? `(f32x4.sub (v128.load ${pd}) (f32x4.mul (call $exp4 (v128.load ${py})) ${g('v')}))`
    : `(f32x4.mul (v128.load ${py}) (f32x4.sub (v128.load ${pd}) ${g('v')}))`;
  const outOne = log
    ? `(f32.sub (f32.load ${pd}) (f32.mul ${lane0(`(call $exp4 (v128.load32_zero ${py}))`)} ${g('sum')}))`
    : `(f32.mul (f32.load ${py}) (f32.sub (f32.load ${pd}) ${g('sum')}))`;
  return `
(func $${name} (export "${name}") ${params(['y', 'dy', 'dx', 'rows', 'cols'])}
  ${locals(['r', 'q', 'rowb', 'py', 'pd', 'px'])} ${locals(['acc', 'v'], 'v128')} (local $sum f32)
  ${s('rowb', mul(g('cols'), i(4)))}
  ${forLoop('r', i(0), g('rows'), 1, `
    ${s('py', add(g('y'), mul(g('r'), g('rowb'))))}
    ${s('pd', add(g('dy'), mul(g('r'), g('rowb'))))}
    ${s('px', add(g('dx'), mul(g('r'), g('rowb'))))}
    ${s('acc', '(v128.const f32x4 0 0 0 0)')}
    ${s('sum', '(f32.const 0)')}
    ${rowLoop('d', s('acc', `(f32x4.add ${g('acc')} ${dotVec})`), s('sum', `(f32.add ${g('sum')} ${dotOne})`))}
    ${s('sum', `(f32.add ${g('sum')} (call $hsum ${g('acc')}))`)}
    ${s('v', `(f32x4.splat ${g('sum')})`)}
    ${rowLoop('o', `(v128.store ${px} ${outVec})`, `(f32.store ${px} ${outOne})`)}`)})`;
}

export function softmaxWat() {
  return [forward('softmax'), forward('log_softmax'), backward('softmax_bwd'), backward('log_softmax_bwd')].join('\n');
}
