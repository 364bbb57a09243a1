// Vector transcendental functions used by other kernels (generator of WAT text; internal to the build).
//   $exp4(v128) -> v128: e^x per lane, Cephes expf polynomial after Cody-Waite reduction (~1 ulp);
//     x < -87.34 gives 0, x > 88.72 gives +inf, NaN stays NaN; 88.03 < x <= 88.72 saturates to +inf early.
//   $log4(v128) -> v128: ln x per lane, Cephes logf polynomial (~1 ulp on normal numbers);
//     log 0 = -inf, log(+inf) = +inf, x < 0 or NaN gives NaN; subnormal inputs are not exact.
//   $erf4(v128) -> v128: erf x per lane: |x| < 0.5 the Maclaurin series to x^11 (error < 2e-8), else
//     Abramowitz & Stegun 7.1.26, 1 - t(a1 + t(a2 + ...)) e^(-x²) with t = 1/(1 + p|x|) (absolute error
//     < 1.5e-7 before rounding), with the sign of x; NaN stays NaN.
//   $hsum(v128) -> f32, $hmax(v128) -> f32: horizontal sum / max of the 4 lanes.
// Not exported: other kernels call them.

const f = (v) => `(v128.const f32x4 ${v} ${v} ${v} ${v})`;
const k = (v) => `(v128.const i32x4 ${v} ${v} ${v} ${v})`;

/** @param {import('./wat.mjs').Variant} variant */
export function mathWat({ fma }) {
  const poly = (y, x, coeffs) => coeffs.map((c) => `(local.set $${y} ${fma(`(local.get $${y})`, `(local.get $${x})`, f(c))})`).join('\n  ');
  return `
(func $exp4 (param $x v128) (result v128) (local $t v128) (local $fx v128) (local $y v128) (local $z v128)
  (local.set $t (f32x4.min (f32x4.max (local.get $x) ${f(-87.33654)}) ${f(88.02969)}))
  (local.set $fx (f32x4.nearest (f32x4.mul (local.get $t) ${f(1.44269504088896341)})))
  (local.set $t ${fma('(local.get $fx)', f(-0.693359375), '(local.get $t)')})
  (local.set $t ${fma('(local.get $fx)', f(2.12194440e-4), '(local.get $t)')})
  (local.set $z (f32x4.mul (local.get $t) (local.get $t)))
  (local.set $y ${f(1.9875691500e-4)})
  ${poly('y', 't', [1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1])}
  (local.set $y (f32x4.add ${fma('(local.get $y)', '(local.get $z)', '(local.get $t)')} ${f(1)}))
  (local.set $y (f32x4.mul (local.get $y)
    (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $fx)) ${k(127)}) (i32.const 23))))
  (local.set $y (v128.bitselect (v128.const i32x4 0 0 0 0) (local.get $y) (f32x4.lt (local.get $x) ${f(-87.33654)})))
  (v128.bitselect ${f('inf')} (local.get $y) (f32x4.gt (local.get $x) ${f(88.7228)})))

(func $log4 (param $x v128) (result v128) (local $e v128) (local $m v128) (local $mask v128) (local $z v128) (local $y v128)
  (local.set $e (f32x4.convert_i32x4_s (i32x4.sub (i32x4.shr_u (local.get $x) (i32.const 23)) ${k(126)})))
  (local.set $m (v128.or (v128.and (local.get $x) ${k('0x807FFFFF')}) ${k('0x3F000000')}))
  (local.set $mask (f32x4.lt (local.get $m) ${f(0.707106781186547524)}))
  (local.set $e (f32x4.sub (local.get $e) (v128.and (local.get $mask) ${f(1)})))
  (local.set $m (f32x4.sub (f32x4.add (local.get $m) (v128.and (local.get $m) (local.get $mask))) ${f(1)}))
  (local.set $z (f32x4.mul (local.get $m) (local.get $m)))
  (local.set $y ${f(7.0376836292e-2)})
  ${poly('y', 'm', [-1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1])}
  (local.set $y (f32x4.mul (f32x4.mul (local.get $y) (local.get $m)) (local.get $z)))
  (local.set $y ${fma('(local.get $e)', f(-2.12194440e-4), '(local.get $y)')})
  (local.set $y ${fma('(local.get $z)', f(-0.5), '(local.get $y)')})
  (local.set $y ${fma('(local.get $e)', f(0.693359375), '(f32x4.add (local.get $m) (local.get $y))')})
  (local.set $y (v128.bitselect ${f('-inf')} (local.get $y) (f32x4.eq (local.get $x) ${f(0)})))
  (local.set $y (v128.bitselect ${f('inf')} (local.get $y) (f32x4.eq (local.get $x) ${f('inf')})))
  (v128.bitselect ${f('nan')} (local.get $y)
    (v128.or (f32x4.lt (local.get $x) ${f(0)}) (f32x4.ne (local.get $x) (local.get $x)))))

(func $erf4 (param $x v128) (result v128) (local $a v128) (local $x2 v128) (local $s v128) (local $t v128) (local $b v128)
  (local.set $a (f32x4.abs (local.get $x)))
  (local.set $x2 (f32x4.mul (local.get $x) (local.get $x)))
  (local.set $s ${f(-0.0008548327023450853)})
  ${poly('s', 'x2', [0.005223977625442188, -0.026866170645131254, 0.11283791670955126, -0.37612638903183754, 1.1283791670955126])}
  (local.set $s (f32x4.mul (local.get $s) (local.get $x)))
  (local.set $t (f32x4.div ${f(1)} ${fma('(local.get $a)', f(0.3275911), f(1))}))
  (local.set $b ${f(1.061405429)})
  ${poly('b', 't', [-1.453152027, 1.421413741, -0.284496736, 0.254829592])}
  (local.set $b (f32x4.sub ${f(1)} (f32x4.mul (f32x4.mul (local.get $b) (local.get $t)) (call $exp4 (f32x4.neg (local.get $x2))))))
  (local.set $b (v128.or (local.get $b) (v128.and (local.get $x) ${k('0x80000000')})))
  (v128.bitselect (local.get $s) (local.get $b) (f32x4.lt (local.get $a) ${f(0.5)})))

(func $hsum (param $v v128) (result f32)
  (local.set $v (f32x4.add (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
  (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v))))

(func $hmax (param $v v128) (result f32)
  (local.set $v (f32x4.max (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
  (f32.max (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v))))
`;
}
