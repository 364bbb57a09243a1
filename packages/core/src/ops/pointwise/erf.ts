/**
 * The error function in float64 for the reference kernels (JavaScript has no Math.erf): for |x| < 3 the
 * series erf(x) = 2/√π·e^(-x²)·Σ 2ⁿx^(2n+1)/(2n+1)!!, whose terms are all positive (no cancellation, a few
 * ulp), beyond it the continued fraction of erfc (Lentz's method). Internal to the core.
 */
const TWO_OVER_SQRT_PI = 1.1283791670955126;

function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/** erfc(x) for x >= 3: exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))). */
function erfcFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 300; k++) {
    const a = k / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** erf(x) = 2/√π ∫₀ˣ e^(-t²) dt. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a < 3) return x < 0 ? -erfSeries(a) : erfSeries(a);
  // erfc(6) = 2e-17, below half an ulp of 1
  if (a >= 6) return x < 0 ? -1 : 1;
  const r = 1 - erfcFraction(a);
  return x < 0 ? -r : r;
}
