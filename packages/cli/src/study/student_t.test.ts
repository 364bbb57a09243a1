/** Student's t: quantiles against closed forms and published table values, and the functions beneath. */
import { describe, expect, it } from 'vitest';
import { incompleteBeta, logGamma, studentTCdf, studentTQuantile } from './student_t.js';

describe('studentTQuantile', () => {
  it('matches the closed forms for 1 and 2 degrees of freedom', () => {
    for (const p of [0.6, 0.8, 0.9, 0.95, 0.975, 0.995]) {
      expect(studentTQuantile(p, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 9); // Cauchy
      expect(studentTQuantile(p, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 9);
    }
  });

  it('matches published t tables (6 significant digits)', () => {
    const table: [number, number, number][] = [
      [0.975, 1, 12.7062], [0.975, 3, 3.18245], [0.975, 4, 2.77645], [0.975, 9, 2.26216], [0.975, 29, 2.04523],
      [0.975, 30, 2.04227], [0.975, 100, 1.98397], [0.95, 5, 2.01505], [0.995, 10, 3.16927], [0.8, 10, 0.879058], [0.999, 3, 10.2145],
    ];
    for (const [p, df, t] of table) expect(studentTQuantile(p, df), `t(${p}, ${df})`).toBeCloseTo(t, 3);
  });

  it('tends to the normal quantile, is odd in p - 1/2, and inverts the CDF', () => {
    expect(studentTQuantile(0.975, 1e7)).toBeCloseTo(1.959964, 5);
    expect(studentTQuantile(0.025, 7)).toBe(-studentTQuantile(0.975, 7));
    expect(studentTQuantile(0.5, 3)).toBe(0);
    for (const df of [1, 2.5, 6, 40]) for (const p of [0.01, 0.3, 0.9, 0.9999]) expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 12);
  });

  it('refuses probabilities outside (0, 1) and non-positive degrees of freedom', () => {
    expect(() => studentTQuantile(1, 3)).toThrow(RangeError);
    expect(() => studentTQuantile(0.9, 0)).toThrow('degrees of freedom must be positive, got 0');
  });
});

describe('incompleteBeta and logGamma', () => {
  it('has the known special values', () => {
    for (const x of [0.1, 0.37, 0.9]) {
      expect(incompleteBeta(x, 1, 1)).toBeCloseTo(x, 13);
      expect(incompleteBeta(x, 3, 1)).toBeCloseTo(x ** 3, 13);
      expect(incompleteBeta(x, 2.5, 4) + incompleteBeta(1 - x, 4, 2.5)).toBeCloseTo(1, 13);
    }
    expect(incompleteBeta(0.5, 7, 7)).toBeCloseTo(0.5, 13);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 9); // ln(100!)
  });
});
