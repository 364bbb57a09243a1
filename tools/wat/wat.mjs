// Shared helpers for the WAT kernel generators in this folder (internal to the build).
// Each generator is a function of a Variant and returns module fields (funcs) as WAT text; build-kernels.mjs
// wraps them in one module per variant. A variant only changes how a fused multiply-add is spelled.

/**
 * @typedef {{ name: 'simd' | 'relaxed', fma: (a: string, b: string, c: string) => string }} Variant
 */

/** The two builds: plain 128-bit SIMD (mul + add) and relaxed SIMD (f32x4.relaxed_madd, an FMA on x64/arm64). */
export const VARIANTS = /** @type {Variant[]} */ ([
  { name: 'simd', fma: (a, b, c) => `(f32x4.add (f32x4.mul ${a} ${b}) ${c})` },
  { name: 'relaxed', fma: (a, b, c) => `(f32x4.relaxed_madd ${a} ${b} ${c})` },
]);

/** `(local.get $x)` */
export const g = (x) => `(local.get $${x})`;
/** `(local.set $x v)` */
export const s = (x, v) => `(local.set $${x} ${v})`;
/** i32 constant. */
export const i = (n) => `(i32.const ${n | 0})`;
/** `$p` params as `(param $a i32) ...`. */
export const params = (names, type = 'i32') => names.map((n) => `(param $${n} ${type})`).join(' ');
/** `(local $a T) ...` */
export const locals = (names, type = 'i32') => names.map((n) => `(local $${n} ${type})`).join(' ');
/** Byte address of element `idx` (an i32 expression) of a float array at byte offset `base`. */
export const at = (base, idx) => `(i32.add ${base} (i32.shl ${idx} (i32.const 2)))`;
/** i32 multiply. */
export const mul = (a, b) => `(i32.mul ${a} ${b})`;
/** i32 add. */
export const add = (a, b) => `(i32.add ${a} ${b})`;
/** i32 min(a, b), signed. */
export const min = (a, b) => `(select ${a} ${b} (i32.lt_s ${a} ${b}))`;
/** i32 max(a, b), signed. */
export const max = (a, b) => `(select ${a} ${b} (i32.gt_s ${a} ${b}))`;

/**
 * A counted loop `for (v = from; v < to; v += step) body` (to is re-evaluated each time: pass a local).
 * Labels are derived from the variable name, so nested loops need distinct variables.
 */
export function forLoop(v, from, to, step, body) {
  return `${s(v, from)}
  (block $${v}_done (loop $${v}_loop
    (br_if $${v}_done (i32.ge_s ${g(v)} ${to}))
    ${body}
    ${s(v, `(i32.add ${g(v)} ${typeof step === 'number' ? i(step) : step})`)}
    (br $${v}_loop)))`;
}
