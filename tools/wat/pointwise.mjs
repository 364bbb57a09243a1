// Pointwise kernels, one table row per op (generator of WAT text; internal to the build).
//
//   unary_<op>(x, y, n): y[i] = op(x[i]) for i < n (x may equal y).
//   binary_<op>(a, aSo, aSm, aSi, b, bSo, bSm, bSi, y, outer, mid, inner):
//     y[(o*mid + m)*inner + j] = op(a[o*aSo + m*aSm + j*aSi], b[o*bSo + m*bSm + j*bSi])
//     for o < outer, m < mid, j < inner; strides in elements, aSi and bSi are 0 (broadcast) or 1.
//     Same shape: outer = mid = 1, strides (0,0,1). Per-channel over NCHW: outer = N, mid = C, inner = H*W,
//     b strides (0,1,0). Bias on the last axis of [M,N]: mid = M, inner = N, b strides (0,0,1).
//   relu_backward is binary: a = x (the forward input), b = dy: y = a > 0 ? b : 0.
// All loops are f32x4 with a masked-free scalar tail (one lane through the vector code).
// Threads split n (unary) or outer/mid (binary) in the runtime.
import { g, s, i, params, locals, forLoop, at, mul, add } from './wat.mjs';

const zero = '(v128.const f32x4 0 0 0 0)';
const one = '(v128.const f32x4 1 1 1 1)';

/** Unary ops: WAT expression of the result from the v128 expression x (evaluated once: pass a local). */
export const UNARY_OPS = [
  { name: 'relu', wat: (x) => `(f32x4.max ${x} ${zero})` },
  { name: 'neg', wat: (x) => `(f32x4.neg ${x})` },
  { name: 'abs', wat: (x) => `(f32x4.abs ${x})` },
  { name: 'square', wat: (x) => `(f32x4.mul ${x} ${x})` },
  { name: 'sqrt', wat: (x) => `(f32x4.sqrt ${x})` },
  { name: 'rsqrt', wat: (x) => `(f32x4.div ${one} (f32x4.sqrt ${x}))` },
  { name: 'reciprocal', wat: (x) => `(f32x4.div ${one} ${x})` },
  { name: 'exp', wat: (x) => `(call $exp4 ${x})` },
  { name: 'log', wat: (x) => `(call $log4 ${x})` },
  { name: 'sigmoid', wat: (x) => `(f32x4.div ${one} (f32x4.add ${one} (call $exp4 (f32x4.neg ${x}))))` },
  // tanh x = 1 - 2 / (e^{2x} + 1): exact limits at +-inf, no cancellation for large |x|
  { name: 'tanh', wat: (x) => `(f32x4.sub ${one} (f32x4.div (v128.const f32x4 2 2 2 2) (f32x4.add (call $exp4 (f32x4.add ${x} ${x})) ${one})))` },
];

/** Binary ops: WAT expression from v128 expressions a and b (locals). */
export const BINARY_OPS = [
  { name: 'add', wat: (a, b) => `(f32x4.add ${a} ${b})` },
  { name: 'sub', wat: (a, b) => `(f32x4.sub ${a} ${b})` },
  { name: 'mul', wat: (a, b) => `(f32x4.mul ${a} ${b})` },
  { name: 'div', wat: (a, b) => `(f32x4.div ${a} ${b})` },
  { name: 'max', wat: (a, b) => `(f32x4.max ${a} ${b})` },
  { name: 'min', wat: (a, b) => `(f32x4.min ${a} ${b})` },
  { name: 'relu_backward', wat: (a, b) => `(v128.and ${b} (f32x4.gt ${a} ${zero}))` },
];

export function pointwiseWat() {
  return [...UNARY_OPS.map(unary), ...BINARY_OPS.map(binary)].join('\n');
}

function unary({ name, wat }) {
  return `
(func $unary_${name} (export "unary_${name}") ${params(['x', 'y', 'n'])} (local $end i32) (local $vend i32) (local $v v128)
  ${s('end', at(g('y'), g('n')))}
  ${s('vend', `(i32.sub ${g('end')} (i32.const 12))`)}
  (block $vd (loop $vl
    (br_if $vd (i32.ge_s ${g('y')} ${g('vend')}))
    ${s('v', `(v128.load ${g('x')})`)}
    (v128.store ${g('y')} ${wat(g('v'))})
    ${s('x', add(g('x'), i(16)))} ${s('y', add(g('y'), i(16)))}
    (br $vl)))
  (block $sd (loop $sl
    (br_if $sd (i32.ge_s ${g('y')} ${g('end')}))
    ${s('v', `(v128.load32_zero ${g('x')})`)}
    (f32.store ${g('y')} (f32x4.extract_lane 0 ${wat(g('v'))}))
    ${s('x', add(g('x'), i(4)))} ${s('y', add(g('y'), i(4)))}
    (br $sl))))`;
}

// One inner loop over j < inner for a given (aSi, bSi) pattern: contiguous operands are loaded, broadcast
// ones are splatted once (va/vb set before the loop).
function innerLoop(tag, aContig, bContig, wat) {
  const la = aContig ? `(v128.load ${g('pa')})` : g('sa');
  const lb = bContig ? `(v128.load ${g('pb')})` : g('sb');
  const la1 = aContig ? `(v128.load32_zero ${g('pa')})` : g('sa');
  const lb1 = bContig ? `(v128.load32_zero ${g('pb')})` : g('sb');
  const step = (n) => [aContig ? s('pa', add(g('pa'), i(n))) : '', bContig ? s('pb', add(g('pb'), i(n))) : '', s('py', add(g('py'), i(n)))].join(' ');
  return `
        (block $${tag}v_done (loop $${tag}v
          (br_if $${tag}v_done (i32.ge_s ${g('py')} ${g('vend')}))
          ${s('va', la)} ${s('vb', lb)}
          (v128.store ${g('py')} ${wat(g('va'), g('vb'))})
          ${step(16)}
          (br $${tag}v)))
        (block $${tag}s_done (loop $${tag}s
          (br_if $${tag}s_done (i32.ge_s ${g('py')} ${g('end')}))
          ${s('va', la1)} ${s('vb', lb1)}
          (f32.store ${g('py')} (f32x4.extract_lane 0 ${wat(g('va'), g('vb'))}))
          ${step(4)}
          (br $${tag}s)))`;
}

function binary({ name, wat }) {
  return `
(func $binary_${name} (export "binary_${name}") ${params(['a', 'aSo', 'aSm', 'aSi', 'b', 'bSo', 'bSm', 'bSi', 'y', 'outer', 'mid', 'inner'])}
  ${locals(['o', 'm', 'pa', 'pb', 'py', 'end', 'vend'])} ${locals(['va', 'vb', 'sa', 'sb'], 'v128')}
  ${s('py', g('y'))}
  ${forLoop('o', i(0), g('outer'), 1, `
    ${forLoop('m', i(0), g('mid'), 1, `
      ${s('pa', at(g('a'), add(mul(g('o'), g('aSo')), mul(g('m'), g('aSm')))))}
      ${s('pb', at(g('b'), add(mul(g('o'), g('bSo')), mul(g('m'), g('bSm')))))}
      ${s('end', at(g('py'), g('inner')))}
      ${s('vend', `(i32.sub ${g('end')} (i32.const 12))`)}
      ${s('sa', `(v128.load32_splat ${g('pa')})`)}
      ${s('sb', `(v128.load32_splat ${g('pb')})`)}
      (if ${g('aSi')}
        (then (if ${g('bSi')}
          (then ${innerLoop('ab', true, true, wat)})
          (else ${innerLoop('a', true, false, wat)})))
        (else (if ${g('bSi')}
          (then ${innerLoop('b', false, true, wat)})
          (else ${innerLoop('n', false, false, wat)}))))`)}`)})`;
}
