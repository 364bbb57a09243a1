/** The pointwise tables: erf in float64, attributes (defaults, checks, typed builders), what backends are handed. */
import { describe, expect, it } from 'vitest';
import { Graph, ShapeError, ReferenceBackend, ops, pointwiseCall, pointwiseKey, unaryChoices, numericAttrNames, unaryCode, type UnaryCodeTable } from '../../index.js';
import { erf } from './erf.js';

describe('erf', () => {
  it('matches known values to float64 precision, both sides of the series / fraction switch', () => {
    // values from Abramowitz & Stegun table 7.1 and mpmath
    const known: [number, number][] = [
      [0, 0], [1e-8, 1.1283791670955126e-8], [0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527],
      [2.9, 0.9999589021219005], [3, 0.9999779095030014], [3.5, 0.9999992569016276], [4, 0.9999999845827421], [6, 1],
    ];
    for (const [x, want] of known) {
      expect(Math.abs(erf(x) - want), `erf(${x})`).toBeLessThan(2e-16 + 1e-15 * Math.abs(want));
      expect(erf(-x) === -erf(x), `erf(-${x})`).toBe(true);
    }
    expect(erf(Infinity)).toBe(1);
    expect(Number.isNaN(erf(NaN))).toBe(true);
  });
});

describe('pointwise attributes', () => {
  it('builders fill PyTorch defaults, take overrides, and reference kernels use them', async () => {
    const g = new Graph();
    const x = g.input('x', [4]);
    const a = ops.leakyRelu(x), b = ops.leakyRelu(x, { negative_slope: 0.2 }), c = ops.elu(x, { alpha: 2 }), d = ops.gelu(x, { approximate: 'tanh' });
    expect(a.attrs).toEqual({ negative_slope: 0.01 });
    expect(ops.gelu(x).attrs).toEqual({ approximate: 'none' });
    const exe = await new ReferenceBackend().compile({ outputs: { a, b, c, d } });
    const out = await exe.run({ x: Float64Array.from([-2, -0.5, 0.5, 2]) });
    expect([...out['a']!.data]).toEqual([-0.02, -0.005, 0.5, 2]);
    expect([...out['b']!.data]).toEqual([-0.4, -0.1, 0.5, 2]);
    expect(out['c']!.data[0]).toBeCloseTo(2 * Math.expm1(-2), 15);
    expect(out['d']!.data[3]).toBeCloseTo(0.5 * 2 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (2 + 0.044715 * 8))), 15);
  });

  it('refuses missing, unknown and ill-typed attributes with the allowed values', () => {
    const g = new Graph();
    const x = g.input('x', [2]);
    expect(() => g.node('gelu', [x], {})).toThrow(ShapeError);
    expect(() => g.node('gelu', [x], {})).toThrow(/attribute "approximate" is missing/);
    expect(() => ops.gelu(x, { approximate: 'erf' as 'none' })).toThrow(/allowed: "none", "tanh"/);
    expect(() => ops.leakyRelu(x, { negative_slope: NaN })).toThrow(/negative_slope" must be a finite number/);
    expect(() => g.node('relu', [x], { slope: 1 })).toThrow(/unknown attribute "slope"; relu takes none/);
    expect(() => g.node('add', [x, x], { alpha: 1 })).toThrow(/unknown attribute "alpha"/);
  });

  it('hands backends the call: op, choice and numeric attributes in declaration order', () => {
    const g = new Graph();
    const x = g.input('x', [2]);
    expect(pointwiseCall(ops.leakyRelu(x, { negative_slope: 0.3 }))).toEqual({ op: 'leaky_relu', params: [0.3] });
    expect(pointwiseCall(ops.gelu(x, { approximate: 'tanh' }))).toEqual({ op: 'gelu', choice: 'tanh', params: [] });
    expect(pointwiseCall(ops.add(x, 1))).toEqual({ op: 'add', params: [] });
    expect(pointwiseKey({ op: 'gelu', choice: 'tanh' })).toBe('gelu:tanh');
    expect(unaryChoices('gelu')).toEqual(['none', 'tanh']);
    expect(unaryChoices('exp')).toEqual([undefined]);
    expect(numericAttrNames('elu')).toEqual(['alpha']);
  });

  it('resolves a backend code table row by choice, with numeric attributes positional', () => {
    // a toy backend that writes expressions as strings
    const table = new Proxy({}, { get: (_t, op: string) => (op === 'gelu' ? { none: (x: string) => `erfgelu(${x})`, tanh: (x: string) => `tanhgelu(${x})` } : (x: string, p: Record<string, string>) => `${op}(${[x, ...Object.values(p)].join(',')})`) }) as UnaryCodeTable<string>;
    expect(unaryCode(table, 'gelu', 'tanh')('a', [])).toBe('tanhgelu(a)');
    expect(unaryCode(table, 'leaky_relu')('a', ['s0'])).toBe('leaky_relu(a,s0)');
    expect(() => unaryCode(table, 'gelu')('a', [])).toThrow(/no code for gelu/);
  });
});
