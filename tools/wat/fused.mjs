// The fused pointwise kernel: a small register-program interpreter (generator of WAT text; internal to the
// build). One launch runs a whole chain of pointwise ops, with broadcast operands and sum / max reductions,
// over L1-sized tiles, so intermediate values never touch memory.
//
//   fused(desc, scr, lo0, hi0, lo1, hi1, lo2, hi2, lo3, hi3)
//     Iterates i0..i2 over [lo, hi) of the first three dims of a 4-D space [D0, D1, D2, D3] and tiles of at
//     most FUSED_TILE elements over [lo3, hi3) of the innermost dim; for each tile it runs the program.
//     When a whole inner range fits a tile several rows of dim 2 share one (each instruction loops over
//     them), so short rows (7x7 feature maps) do not pay the dispatch per row.
//   desc (i32 words): [0] nOperands, [1] nInstructions, [2] nRegisters; operands from desc + 64, 8 words each:
//     base (byte address), s0, s1, s2 (element strides of dims 0..2), s3 (stride of dim 3: 0 or 1), 3 unused;
//     then the program: 4 words per instruction, opcode (FUSED_OPCODES), dst, a, b (slot numbers).
//   Slots: operands 0..nOperands-1 (the address of the current tile in the operand; "scalar" operands, s3 = 0,
//     hold one value per tile), then registers nOperands.. (a tile each, in the thread's scratch).
//   scr: per-thread scratch of FUSED_SCRATCH_BYTES, 64-byte aligned: slot table (4 bytes per slot, at most
//     FUSED_MAX_SLOTS), row bases, row strides, then FUSED_MAX_REGS tiles.
//   Opcodes `op.v` / `op.s` (unary on a vector / scalar slot), `op.vv`, `op.vs`, `op.sv`, `op.ss` (binary: a and
//     b vector or scalar; a unary op's numeric attribute is its scalar b) write a register (all lanes of the
//     tile, rounded up to 8); pointwise opcodes come from the code tables in pointwise_ops.ts. `store.v|s` copies exactly
//     the tile's elements of a slot to an operand; `radd.<out><src>` and `rmax.<out><src>` reduce into an
//     operand: out `v` adds element-wise (the reduced dims have stride 0), out `s` adds the tile's sum (the
//     inner dim is reduced too). Reduction outputs must be initialised (0 or -inf) by the caller.
//   Vector operands may be read up to 7 elements past a tile (allocations carry 64 bytes of padding).
// Threads split one dim whose reduction-output strides are all non-zero (the caller picks the ranges; inner
// splits at multiples of 4), so no two threads write the same element.
//
//   copy4d(x, y, D0, D1, D2, D3, xs0, xs1, xs2, xs3, ys0, ys1, ys2, ys3, lo0, hi0, lo1, hi1, lo2, hi2)
//     y[i0*ys0 + i1*ys1 + i2*ys2 + i3*ys3] = x[i0*xs0 + ...] for 4-byte elements (any dtype), i_d in the given
//     ranges (i3 over all of D3). Contiguous rows use memory.copy; xs3 = 0, ys3 = 1 fills with one value.
//     Strides in elements. Used for transpose, broadcast, slice, pad, concat and fills.
import { BINARY_OP_NAMES, UNARY_OP_NAMES, numericAttrNames, pointwiseKey, unaryChoices, unaryCode } from '@dogo/core';
import { g, s, i, params, locals, forLoop, add, min } from './wat.mjs';
import { BINARY_WAT, UNARY_WAT } from './pointwise_ops.ts';

/** Elements per tile: 512 floats = 2 KiB, so a program's registers stay in L1. */
export const FUSED_TILE = 512;
export const FUSED_MAX_SLOTS = 128;
export const FUSED_MAX_REGS = 24;
const HEADER = 2048; // slot table, row bases, row strides (512 bytes each)
export const FUSED_SCRATCH_BYTES = HEADER + FUSED_MAX_REGS * FUSED_TILE * 4;

const zero = '(v128.const f32x4 0 0 0 0)';
const one = '(v128.const f32x4 1 1 1 1)';

/**
 * The pointwise opcodes from the code tables (pointwise_ops.ts): [name, argument kinds, code(a, b)].
 * A unary op is `op.v` / `op.s`; with a numeric attribute it reads it as the scalar operand b
 * (`op.vs` / `op.ss`); an op with a string attribute has opcodes per value (`gelu:tanh.v`).
 */
function pointwiseOps() {
  const list = [];
  for (const op of UNARY_OP_NAMES) {
    const params = numericAttrNames(op);
    if (params.length > 1) throw new Error(`fused kernel: ${op} has ${params.length} numeric attributes; an instruction carries one`);
    for (const choice of unaryChoices(op)) {
      const code = unaryCode(UNARY_WAT, op, choice);
      list.push([pointwiseKey({ op, choice }), params.length === 0 ? 'unary' : 'unary+param', (a, b) => code(a, params.length === 0 ? [] : [b])]);
    }
  }
  for (const op of BINARY_OP_NAMES) list.push([op, 'binary', BINARY_WAT[op]]);
  return list;
}

/** Every opcode in order: [name, emitter]. */
function cases() {
  const list = [];
  const vec = (p, o = 0) => `(v128.load offset=${o} (i32.add ${g(p)} ${g('q')}))`;
  const spl = (p) => `(v128.load32_splat ${g(p)})`;
  // `pre(o)` sets the locals from memory at byte offset o, then expr is stored to the register at pd: two
  // vectors per iteration over nb bytes (a multiple of 32; register rows are padded to 8 floats)
  const loopV = (pre, expr) => `
      ${s('q', i(0))}
      (loop $l
        ${pre(0)}
        (v128.store (i32.add ${g('pd')} ${g('q')}) ${expr})
        ${pre(16)}
        (v128.store offset=16 (i32.add ${g('pd')} ${g('q')}) ${expr})
        ${s('q', add(g('q'), i(32)))}
        (br_if $l (i32.lt_u ${g('q')} ${g('nb')})))`;
  const va = (o) => s('va', vec('pa', o)), vb = (o) => s('vb', vec('pb', o));
  const none = () => '';
  for (const [name, kind, f] of pointwiseOps()) {
    if (kind === 'unary') {
      list.push([`${name}.v`, loopV(va, f(g('va')))]);
      list.push([`${name}.s`, `${s('va', spl('pa'))} ${s('va', f(g('va')))} ${loopV(none, g('va'))}`]);
      continue;
    }
    // binary, or unary with its numeric attribute as the scalar operand b
    if (kind === 'binary') {
      list.push([`${name}.vv`, loopV((o) => `${va(o)} ${vb(o)}`, f(g('va'), g('vb')))]);
      list.push([`${name}.sv`, `${s('va', spl('pa'))} ${loopV(vb, f(g('va'), g('vb')))}`]);
    }
    list.push([`${name}.vs`, `${s('vb', spl('pb'))} ${loopV(va, f(g('va'), g('vb')))}`]);
    list.push([`${name}.ss`, `${s('va', spl('pa'))} ${s('vb', spl('pb'))} ${s('va', f(g('va'), g('vb')))} ${loopV(none, g('va'))}`]);
  }
  // exact-length loops: vectors over the full groups of 4, then single lanes
  const exact = (vecBody, oneBody) => `
      ${s('q', i(0))}
      (block $vd (loop $vl
        (br_if $vd (i32.gt_u (i32.add ${g('q')} (i32.const 16)) ${g('lb')}))
        ${vecBody}
        ${s('q', add(g('q'), i(16)))}
        (br $vl)))
      (block $sd (loop $sl
        (br_if $sd (i32.ge_u ${g('q')} ${g('lb')}))
        ${oneBody}
        ${s('q', add(g('q'), i(4)))}
        (br $sl)))`;
  const at = (p) => `(i32.add ${g(p)} ${g('q')})`;
  list.push(['store.v', exact(`(v128.store ${at('pd')} (v128.load ${at('pa')}))`, `(f32.store ${at('pd')} (f32.load ${at('pa')}))`)]);
  list.push(['store.s', `${s('va', spl('pa'))} ${exact(`(v128.store ${at('pd')} ${g('va')})`, `(f32.store ${at('pd')} (f32x4.extract_lane 0 ${g('va')}))`)}`]);
  for (const [r, vop, sop, h, init] of [
    ['radd', 'f32x4.add', 'f32.add', '$hsum', zero],
    ['rmax', 'f32x4.max', 'f32.max', '$hmax', '(v128.const f32x4 -inf -inf -inf -inf)'],
  ]) {
    // out vector: pd[k] op= src[k]
    list.push([`${r}.vv`, exact(`(v128.store ${at('pd')} (${vop} (v128.load ${at('pd')}) (v128.load ${at('pa')})))`,
      `(f32.store ${at('pd')} (${sop} (f32.load ${at('pd')}) (f32.load ${at('pa')})))`)]);
    list.push([`${r}.vs`, `${s('va', spl('pa'))} ${exact(`(v128.store ${at('pd')} (${vop} (v128.load ${at('pd')}) ${g('va')}))`,
      `(f32.store ${at('pd')} (${sop} (f32.load ${at('pd')}) (f32x4.extract_lane 0 ${g('va')})))`)}`]);
    // out scalar: pd[0] op= reduce(src[0..len))
    list.push([`${r}.sv`, `${s('va', init)} ${s('t', r === 'radd' ? '(f32.const 0)' : '(f32.const -inf)')}
      ${exact(s('va', `(${vop} ${g('va')} (v128.load ${at('pa')}))`), s('t', `(${sop} ${g('t')} (f32.load ${at('pa')}))`))}
      (f32.store ${g('pd')} (${sop} (f32.load ${g('pd')}) (${sop} (call ${h} ${g('va')}) ${g('t')})))`]);
    list.push([`${r}.ss`, r === 'radd'
      ? `(f32.store ${g('pd')} (f32.add (f32.load ${g('pd')}) (f32.mul (f32.load ${g('pa')}) (f32.convert_i32_u (i32.shr_u ${g('lb')} (i32.const 2))))))`
      : `(f32.store ${g('pd')} (f32.max (f32.load ${g('pd')}) (f32.load ${g('pa')})))`]);
  }
  return list;
}

/** Opcode numbers by name, for the runtime (kernels.gen.ts). */
export const FUSED_OPCODES = Object.fromEntries(cases().map(([name], k) => [name, k]));

function pow4() {
  return `
;; pow per lane with Math.pow's special cases: b = 0 gives 1; a < 0 needs an integer b (sign from its parity).
(func $pow4 (param $a v128) (param $b v128) (result v128) (local $r v128) (local $int v128) (local $half v128)
  ${s('r', `(call $exp4 (f32x4.mul ${g('b')} (call $log4 (f32x4.abs ${g('a')}))))`)}
  ${s('int', `(f32x4.eq ${g('b')} (f32x4.nearest ${g('b')}))`)}
  ${s('half', `(f32x4.mul ${g('b')} (v128.const f32x4 0.5 0.5 0.5 0.5))`)}
  ;; a < 0: odd integer b flips the sign, a non-integer b gives NaN
  ${s('r', `(v128.bitselect (f32x4.neg ${g('r')}) ${g('r')}
    (v128.and (f32x4.lt ${g('a')} ${zero}) (v128.and ${g('int')} (f32x4.ne ${g('half')} (f32x4.nearest ${g('half')})))))`)}
  ${s('r', `(v128.bitselect (v128.const f32x4 nan nan nan nan) ${g('r')} (v128.andnot (f32x4.lt ${g('a')} ${zero}) ${g('int')}))`)}
  (v128.bitselect ${one} ${g('r')} (f32x4.eq ${g('b')} ${zero})))`;
}

function fused() {
  const list = cases();
  // br_table dispatch: nested blocks, innermost first
  let body = `(br_table ${list.map((_, k) => `$c${k}`).join(' ')} $c0 ${g('opc')})`;
  list.forEach(([name, code], k) => {
    body = `(block $c${k} ${body})\n      ;; ${name}\n      ${code}\n      (br $next)`;
  });
  const ptab = (slot) => `(i32.add ${g('scr')} (i32.shl ${slot} (i32.const 2)))`;
  const stab = (slot) => `(i32.add ${g('scr')} (i32.add (i32.const 1024) (i32.shl ${slot} (i32.const 2))))`;
  const opw = (k, w) => `(i32.load offset=${w * 4} (i32.add ${g('ops')} (i32.shl ${k} (i32.const 5))))`;
  return `
(func $fused (export "fused") ${params(['desc', 'scr', 'lo0', 'hi0', 'lo1', 'hi1', 'lo2', 'hi2', 'lo3', 'hi3'])}
  ${locals(['nops', 'nins', 'nregs', 'ops', 'code', 'cend', 'i0', 'i1', 'i2', 'j', 'k', 'len', 'nb', 'lb', 'pc', 'opc', 'pd', 'pa', 'pb', 'q', 'rows',
    'R', 'maxR', 'lv', 'r', 'rbd', 'rba', 'rbb'])}
  ${locals(['va', 'vb'], 'v128')} (local $t f32)
  ${s('nops', `(i32.load ${g('desc')})`)}
  ${s('nins', `(i32.load offset=4 ${g('desc')})`)}
  ${s('nregs', `(i32.load offset=8 ${g('desc')})`)}
  ${s('ops', `(i32.add ${g('desc')} (i32.const 64))`)}
  ${s('code', `(i32.add ${g('ops')} (i32.shl ${g('nops')} (i32.const 5)))`)}
  ${s('cend', `(i32.add ${g('code')} (i32.shl ${g('nins')} (i32.const 4)))`)}
  ${s('rows', `(i32.add ${g('scr')} (i32.const 512))`)}
  ;; short inner rows: a tile holds maxR rows of dim 2, each padded to lv elements in the registers
  ${s('lv', `(i32.and (i32.add (i32.sub ${g('hi3')} ${g('lo3')}) (i32.const 7)) (i32.const -8))`)}
  ${s('maxR', i(1))}
  (if (i32.and (i32.gt_s ${g('lv')} (i32.const 0)) (i32.le_s ${g('lv')} (i32.const ${FUSED_TILE})))
    (then ${s('maxR', `(i32.div_u (i32.const ${FUSED_TILE}) ${g('lv')})`)}))
  ;; register slots point at their tiles, their rows lv apart; operand rows are s2 apart
  ${forLoop('k', i(0), g('nregs'), 1, `
    (i32.store ${ptab(add(g('nops'), g('k')))} (i32.add (i32.add ${g('scr')} (i32.const ${HEADER})) (i32.mul ${g('k')} (i32.const ${FUSED_TILE * 4}))))
    (i32.store ${stab(add(g('nops'), g('k')))} (i32.shl ${g('lv')} (i32.const 2)))`)}
  ${forLoop('k', i(0), g('nops'), 1, `(i32.store ${stab(g('k'))} (i32.shl ${opw(g('k'), 3)} (i32.const 2)))`)}
  ${forLoop('i0', g('lo0'), g('hi0'), 1, `
  ${forLoop('i1', g('lo1'), g('hi1'), 1, `
  ${forLoop('i2', g('lo2'), g('hi2'), g('R'), `
    ${s('R', min(g('maxR'), `(i32.sub ${g('hi2')} ${g('i2')})`))}
    ${forLoop('k', i(0), g('nops'), 1, `
      (i32.store (i32.add ${g('rows')} (i32.shl ${g('k')} (i32.const 2)))
        (i32.add ${opw(g('k'), 0)} (i32.shl (i32.add (i32.add
          (i32.mul ${g('i0')} ${opw(g('k'), 1)}) (i32.mul ${g('i1')} ${opw(g('k'), 2)})) (i32.mul ${g('i2')} ${opw(g('k'), 3)})) (i32.const 2))))`)}
    ${s('j', g('lo3'))}
    (block $tiles_done (loop $tiles
      (br_if $tiles_done (i32.ge_s ${g('j')} ${g('hi3')}))
      ${s('len', `(i32.sub ${g('hi3')} ${g('j')})`)}
      (if (i32.gt_s ${g('len')} (i32.const ${FUSED_TILE})) (then ${s('len', i(FUSED_TILE))}))
      ${s('lb', `(i32.shl ${g('len')} (i32.const 2))`)}
      ${s('nb', `(i32.and (i32.add ${g('lb')} (i32.const 28)) (i32.const -32))`)}
      ${forLoop('k', i(0), g('nops'), 1, `
        (i32.store ${ptab(g('k'))} (i32.add (i32.load (i32.add ${g('rows')} (i32.shl ${g('k')} (i32.const 2))))
          (i32.shl (i32.mul ${g('j')} ${opw(g('k'), 4)}) (i32.const 2))))`)}
      ${s('pc', g('code'))}
      (block $prog_done (loop $prog
        (br_if $prog_done (i32.ge_u ${g('pc')} ${g('cend')}))
        ${s('opc', `(i32.load ${g('pc')})`)}
        ${s('k', `(i32.load offset=4 ${g('pc')})`)}
        ${s('pd', `(i32.load ${ptab(g('k'))})`)} ${s('rbd', `(i32.load ${stab(g('k'))})`)}
        ${s('k', `(i32.load offset=8 ${g('pc')})`)}
        ${s('pa', `(i32.load ${ptab(g('k'))})`)} ${s('rba', `(i32.load ${stab(g('k'))})`)}
        ${s('k', `(i32.load offset=12 ${g('pc')})`)}
        ${s('pb', `(i32.load ${ptab(g('k'))})`)} ${s('rbb', `(i32.load ${stab(g('k'))})`)}
        ${s('r', g('R'))}
        (loop $rowl
        (block $next
      ${body})
          ${s('pd', add(g('pd'), g('rbd')))} ${s('pa', add(g('pa'), g('rba')))} ${s('pb', add(g('pb'), g('rbb')))}
          ${s('r', `(i32.sub ${g('r')} (i32.const 1))`)}
          (br_if $rowl ${g('r')}))
        ${s('pc', add(g('pc'), i(16)))}
        (br $prog)))
      ${s('j', add(g('j'), i(FUSED_TILE)))}
      (br $tiles)))`)}`)}`)})`;
}

function copy4d() {
  const names = ['x', 'y', 'D0', 'D1', 'D2', 'D3', 'xs0', 'xs1', 'xs2', 'xs3', 'ys0', 'ys1', 'ys2', 'ys3', 'lo0', 'hi0', 'lo1', 'hi1', 'lo2', 'hi2'];
  const off = (a, b, c, s0, s1, s2) => `(i32.shl (i32.add (i32.add (i32.mul ${g(a)} ${g(s0)}) (i32.mul ${g(b)} ${g(s1)})) (i32.mul ${g(c)} ${g(s2)})) (i32.const 2))`;
  return `
(func $copy4d (export "copy4d") ${params(names)}
  ${locals(['i0', 'i1', 'i2', 'j', 'px', 'py', 'rowb', 'end', 'v', 'xb', 'yb'])} (local $vv v128)
  ${s('rowb', `(i32.shl ${g('D3')} (i32.const 2))`)}
  ${s('xb', `(i32.shl ${g('xs3')} (i32.const 2))`)}
  ${s('yb', `(i32.shl ${g('ys3')} (i32.const 2))`)}
  ${forLoop('i0', g('lo0'), g('hi0'), 1, `
  ${forLoop('i1', g('lo1'), g('hi1'), 1, `
  ${forLoop('i2', g('lo2'), g('hi2'), 1, `
    ${s('px', `(i32.add ${g('x')} ${off('i0', 'i1', 'i2', 'xs0', 'xs1', 'xs2')})`)}
    ${s('py', `(i32.add ${g('y')} ${off('i0', 'i1', 'i2', 'ys0', 'ys1', 'ys2')})`)}
    (if (i32.and (i32.eq ${g('xs3')} (i32.const 1)) (i32.eq ${g('ys3')} (i32.const 1)))
      (then (memory.copy ${g('py')} ${g('px')} ${g('rowb')}))
      (else (if (i32.and (i32.eqz ${g('xs3')}) (i32.eq ${g('ys3')} (i32.const 1)))
        (then
          ${s('vv', `(v128.load32_splat ${g('px')})`)}
          ${s('end', `(i32.add ${g('py')} ${g('rowb')})`)}
          (block $fd (loop $fl
            (br_if $fd (i32.gt_u (i32.add ${g('py')} (i32.const 16)) ${g('end')}))
            (v128.store ${g('py')} ${g('vv')})
            ${s('py', add(g('py'), i(16)))}
            (br $fl)))
          (block $f1d (loop $f1l
            (br_if $f1d (i32.ge_u ${g('py')} ${g('end')}))
            (i32.store ${g('py')} (i32.load ${g('px')}))
            ${s('py', add(g('py'), i(4)))}
            (br $f1l))))
        (else
          ${forLoop('j', i(0), g('D3'), 1, `
            (i32.store ${g('py')} (i32.load ${g('px')}))
            ${s('px', `(i32.add ${g('px')} ${g('xb')})`)}
            ${s('py', `(i32.add ${g('py')} ${g('yb')})`)}`)}))))`)}`)}`)})`;
}

export function fusedWat() {
  return [pow4(), fused(), copy4d()].join('\n');
}
