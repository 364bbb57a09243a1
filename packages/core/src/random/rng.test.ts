import { describe, expect, it } from 'vitest';
import { Rng, RngStateError } from './index.js';

describe('Rng (xoshiro128**)', () => {
  it('matches the reference C implementation from state [1, 2, 3, 4]', () => {
    // Outputs of Blackman & Vigna's xoshiro128starstar.c seeded with s = {1, 2, 3, 4}.
    const r = Rng.fromState({ algorithm: 'xoshiro128**', s: [1, 2, 3, 4] });
    const got = Array.from({ length: 6 }, () => r.nextU32());
    expect(got).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 16 }, () => a.nextU32());
    expect(Array.from({ length: 16 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 16 }, () => c.nextU32())).not.toEqual(sa);
    // High bits of a large seed count too.
    expect(new Rng(2 ** 40).nextU32()).not.toBe(new Rng(0).nextU32());
  });

  it('round-trips its state through JSON and resumes the exact sequence', () => {
    const r = new Rng(7);
    for (let i = 0; i < 10; i++) r.uniform();
    const saved = JSON.parse(JSON.stringify(r.getState()));
    const expected = Array.from({ length: 8 }, () => r.nextU32());
    const resumed = Rng.fromState(saved);
    expect(Array.from({ length: 8 }, () => resumed.nextU32())).toEqual(expected);
    const other = new Rng(1);
    other.setState(saved);
    expect(other.nextU32()).toBe(expected[0]);
  });

  it('refuses malformed states', () => {
    const r = new Rng(0);
    expect(() => r.setState({ algorithm: 'xoshiro128**', s: [0, 0, 0, 0] })).toThrow(RngStateError);
    expect(() => r.setState({ algorithm: 'xoshiro128**', s: [1, 2, 3] as unknown as [number, number, number, number] })).toThrow(/four unsigned 32-bit/);
    expect(() => r.setState({ algorithm: 'pcg32' as 'xoshiro128**', s: [1, 2, 3, 4] })).toThrow(/algorithm/);
    expect(() => r.setState({ algorithm: 'xoshiro128**', s: [1, 2, 3, 2 ** 32] })).toThrow(RngStateError);
  });

  it('uniform has mean 1/2 and variance 1/12 and stays in [0, 1)', () => {
    const r = new Rng(123);
    const n = 200_000;
    let sum = 0;
    let sq = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      sum += u;
      sq += u * u;
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    const mean = sum / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sq / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
  });

  it('normal has mean 0 and variance 1', () => {
    const r = new Rng(5);
    const n = 200_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.02);
    expect(Number.isFinite(new Rng(9).normal(3, 2))).toBe(true);
  });

  it('int(n) covers [0, n) evenly and rejects bad n', () => {
    const r = new Rng(11);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    expect(r.int(1)).toBe(0);
    expect(r.int(2 ** 32)).toBeLessThan(2 ** 32);
    expect(() => r.int(0)).toThrow(RangeError);
    expect(() => r.int(2.5)).toThrow(RangeError);
  });

  it('shuffle is an in-place permutation, for arrays and typed arrays', () => {
    const r = new Rng(3);
    const a = Array.from({ length: 100 }, (_, i) => i);
    const out = r.shuffle(a);
    expect(out).toBe(a);
    expect(a).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const t = Int32Array.from({ length: 50 }, (_, i) => i);
    r.shuffle(t);
    expect(Array.from(t).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(r.shuffle([])).toEqual([]);
  });

  it('fork gives reproducible, independent streams without advancing the parent', () => {
    const p = new Rng(99);
    const before = p.getState();
    const f1 = p.fork('data');
    const f1again = p.fork('data');
    expect(p.getState()).toEqual(before);
    expect(f1.nextU32()).toBe(f1again.nextU32());
    const streams = [p.fork(0), p.fork(1), p.fork('0'), p.fork('data'), p];
    const firsts = streams.map((s) => Array.from({ length: 4 }, () => s.nextU32()).join(','));
    expect(new Set(firsts).size).toBe(streams.length);
    expect(() => p.fork(-1)).toThrow(RangeError);
  });
});
