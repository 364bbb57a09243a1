// 2-D pooling over NCHW planes (generator of WAT text; internal to the build). PyTorch semantics.
//
//   max_pool2d_fwd(x, y, planes, H,W, KH,KW, SH,SW, PH,PW, OH,OW)
//     y[pl,oh,ow] = max over the window clipped to the input (padding never wins); NaN propagates.
//   max_pool2d_bwd(x, dy, dx, planes, H,W, ...): dx = 0, then dx[argmax] += dy per output, argmax = the
//     first maximum in row-major window order (as PyTorch's CPU kernel). Recomputes argmax from x.
//   avg_pool2d_fwd(x, y, planes, H,W, ..., countPad): mean over the window; divisor = window clipped to the
//     padded input when countPad = 1 (count_include_pad=True), clipped to the input when 0.
//   avg_pool2d_bwd(dy, dx, planes, H,W, ..., countPad): dx = 0, then spreads dy / divisor over each window.
// `planes` = N*C; threads split planes (the runtime offsets the pointers).
// The loops are scalar for now (pooling is a small share of a network's time; memory-bound).
import { g, s, i, params, locals, forLoop, at, mul, add, min, max } from './wat.mjs';

const GEO = ['H', 'W', 'KH', 'KW', 'SH', 'SW', 'PH', 'PW', 'OH', 'OW'];
const sub = (a, b) => `(i32.sub ${a} ${b})`;

// Sets hs, he, ws, we (clipped window) and hp, wp (window clipped to the padded input) for (oh, ow).
const window = `
        ${s('hs', sub(mul(g('oh'), g('SH')), g('PH')))}
        ${s('ws', sub(mul(g('ow'), g('SW')), g('PW')))}
        ${s('hp', sub(min(add(g('hs'), g('KH')), add(g('H'), g('PH'))), g('hs')))}
        ${s('wp', sub(min(add(g('ws'), g('KW')), add(g('W'), g('PW'))), g('ws')))}
        ${s('he', min(add(g('hs'), g('KH')), g('H')))}
        ${s('we', min(add(g('ws'), g('KW')), g('W')))}
        ${s('hs', max(g('hs'), i(0)))}
        ${s('ws', max(g('ws'), i(0)))}`;

const LOC = ['pl', 'oh', 'ow', 'hs', 'he', 'ws', 'we', 'hp', 'wp', 'ih', 'iw', 'xp', 'yp', 'dp', 'best', 'HW', 'OHW'];

function planeLoop(body) {
  return `
  ${s('HW', mul(g('H'), g('W')))}
  ${s('OHW', mul(g('OH'), g('OW')))}
  ${forLoop('pl', i(0), g('planes'), 1, `
    ${s('xp', at(g('x'), mul(g('pl'), g('HW'))))}
    ${s('yp', at(g('y'), mul(g('pl'), g('OHW'))))}
    ${forLoop('oh', i(0), g('OH'), 1, `
      ${forLoop('ow', i(0), g('OW'), 1, `
        ${window}
        ${body}
        ${s('yp', add(g('yp'), i(4)))}`)}`)}`)}`;
}

const windowLoop = (body) => forLoop('ih', g('hs'), g('he'), 1, forLoop('iw', g('ws'), g('we'), 1, body));
const xAt = at(g('xp'), add(mul(g('ih'), g('W')), g('iw')));

function maxFwd() {
  return `
(func $max_pool2d_fwd (export "max_pool2d_fwd") ${params(['x', 'y', 'planes', ...GEO])}
  ${locals(LOC)} (local $m f32) (local $v f32)
  ${planeLoop(`
        ${s('m', '(f32.const -inf)')}
        ${windowLoop(`
          ${s('v', `(f32.load ${xAt})`)}
          (if (i32.or (f32.gt ${g('v')} ${g('m')}) (f32.ne ${g('v')} ${g('v')})) (then ${s('m', g('v'))}))`)}
        (f32.store ${g('yp')} ${g('m')})`)})`;
}

function maxBwd() {
  // x, dy, dx: the plane loop's y pointer walks dy; dx planes are zeroed first
  return `
(func $max_pool2d_bwd (export "max_pool2d_bwd") ${params(['x', 'y', 'dx', 'planes', ...GEO])}
  ${locals(LOC)} (local $m f32) (local $v f32) (local $arg i32)
  (call $zero_f32 ${g('dx')} (i32.const 0) ${mul(g('planes'), mul(g('H'), g('W')))})
  ${planeLoop(`
        ${s('m', '(f32.const -inf)')}
        ${s('arg', i(-1))}
        ${windowLoop(`
          ${s('v', `(f32.load ${xAt})`)}
          (if (i32.or (f32.gt ${g('v')} ${g('m')}) (i32.and (f32.ne ${g('v')} ${g('v')}) (f32.eq ${g('m')} ${g('m')}))) (then
            ${s('m', g('v'))}
            ${s('arg', add(mul(g('ih'), g('W')), g('iw')))}))`)}
        (if (i32.ge_s ${g('arg')} (i32.const 0)) (then
          ${s('dp', at(g('dx'), add(mul(g('pl'), g('HW')), g('arg'))))}
          (f32.store ${g('dp')} (f32.add (f32.load ${g('dp')}) (f32.load ${g('yp')})))))`)})`;
}

function avgFwd() {
  return `
(func $avg_pool2d_fwd (export "avg_pool2d_fwd") ${params(['x', 'y', 'planes', ...GEO, 'countPad'])}
  ${locals(LOC)} (local $acc f32)
  ${planeLoop(`
        ${s('acc', '(f32.const 0)')}
        ${windowLoop(s('acc', `(f32.add ${g('acc')} (f32.load ${xAt}))`))}
        (f32.store ${g('yp')} (f32.div ${g('acc')} (f32.convert_i32_s
          (if (result i32) ${g('countPad')} (then ${mul(g('hp'), g('wp'))}) (else ${mul(sub(g('he'), g('hs')), sub(g('we'), g('ws')))})))))`)})`;
}

function avgBwd() {
  return `
(func $avg_pool2d_bwd (export "avg_pool2d_bwd") ${params(['y', 'x', 'planes', ...GEO, 'countPad'])}
  ${locals(LOC.filter((n) => n !== 'pl' && n !== 'xp' && n !== 'yp' && n !== 'HW' && n !== 'OHW'))} (local $pl i32) (local $xp i32) (local $yp i32) (local $HW i32) (local $OHW i32) (local $gv f32)
  (call $zero_f32 ${g('x')} (i32.const 0) ${mul(g('planes'), mul(g('H'), g('W')))})
  ${planeLoop(`
        ${s('gv', `(f32.div (f32.load ${g('yp')}) (f32.convert_i32_s
          (if (result i32) ${g('countPad')} (then ${mul(g('hp'), g('wp'))}) (else ${mul(sub(g('he'), g('hs')), sub(g('we'), g('ws')))}))))`)}
        ${windowLoop(`(f32.store ${xAt} (f32.add (f32.load ${xAt}) ${g('gv')}))`)}`)})`;
}

export function pool2dWat() {
  return [maxFwd(), maxBwd(), avgFwd(), avgBwd()].join('\n');
}
