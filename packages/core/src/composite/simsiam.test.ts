/**
 * SimSiam's loss: the repository's PyTorch vectors (vectors/simsiam/) on the reference backend through the
 * conformance runner, finite differences, stop_gradient on z, and shape errors.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Graph, ReferenceBackend, ShapeError, decodeCase, gradcheck, l2Normalize, ops, runCase, formatFailure } from '../index.js';
import { cosineSimilarity, simsiamLoss } from './simsiam.js';

const vectorsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../vectors/simsiam');
const caseFiles = readdirSync(vectorsDir).filter((f) => f.endsWith('.json')).sort();

describe('simsiam conformance vectors (PyTorch, float64)', () => {
  it('has the N8 D16 case and one more shape', () => {
    expect(caseFiles).toContain('simsiam_N8_D16.json');
    expect(caseFiles.length).toBeGreaterThanOrEqual(2);
  });
  for (const file of caseFiles) {
    it(`reference backend passes ${file}`, async () => {
      const c = decodeCase(file, JSON.parse(readFileSync(path.join(vectorsDir, file), 'utf8')));
      expect(c.op).toBe('simsiam');
      expect(Object.keys(c.grads).sort()).toEqual(['p1', 'p2', 'z1', 'z2']);
      const r = await runCase(new ReferenceBackend(), c);
      expect(r.passed, formatFailure(r)).toBe(true);
      expect(r.checks.map((x) => x.tensor).sort()).toEqual(['grad:p1', 'grad:p2', 'grad:z1', 'grad:z2', 'loss']);
      for (const k of ['z1', 'z2']) expect([...c.grads[k]!.data].every((v) => v === 0)).toBe(true);
    });
  }
});

describe('simsiamLoss', () => {
  it('matches finite differences for p1, p2; z1, z2 get exactly zero gradient', async () => {
    const r = await gradcheck(({ p1, p2, z1, z2 }) => simsiamLoss(p1!, p2!, z1!, z2!), {
      p1: { shape: [3, 4] }, p2: { shape: [3, 4] }, z1: { shape: [3, 4], check: false }, z2: { shape: [3, 4], check: false },
    });
    expect(r.ok, r.report).toBe(true);
    for (const k of ['z1', 'z2']) expect([...r.grads[k]!].every((v) => v === 0), `grad of ${k}`).toBe(true);
  });

  it('equals -(mean <normalize(p1), normalize(z2)> + mean <normalize(p2), normalize(z1)>) / 2, and -1 when p = z of the other view', async () => {
    const g = new Graph();
    const [p1, p2, z1, z2] = ['p1', 'p2', 'z1', 'z2'].map((n) => g.input(n, [4, 3]));
    const dot = (a: typeof p1, b: typeof p1) => ops.mean(ops.sum(ops.mul(l2Normalize(a!), l2Normalize(b!)), [1]));
    const viaNormalize = ops.mul(ops.add(dot(p1, z2), dot(p2, z1)), -0.5);
    const exe = await new ReferenceBackend().compile({ outputs: { loss: simsiamLoss(p1!, p2!, z1!, z2!), viaNormalize, cos: cosineSimilarity(p1!, z2!) } });
    const a = Float64Array.from({ length: 12 }, (_, i) => Math.sin(i + 1));
    const b = Float64Array.from({ length: 12 }, (_, i) => Math.cos(3 * i));
    const out = await exe.run({ p1: a, p2: b, z1: b.map((v) => 2 * v), z2: a.map((v) => 0.5 * v) });
    expect(out['loss']!.data[0]).toBeCloseTo(-1, 12);
    expect(out['viaNormalize']!.data[0]).toBeCloseTo(-1, 12);
    expect([...out['cos']!.data].every((v) => Math.abs(v - 1) < 1e-12)).toBe(true);
    const r = await exe.run({ p1: a, p2: b, z1: a, z2: b });
    expect(r['loss']!.data[0]).toBeCloseTo(r['viaNormalize']!.data[0]!, 12);
    expect(Math.abs(r['loss']!.data[0]!)).toBeLessThan(1);
  });

  it('is finite on zero rows (eps clamps the norm product)', async () => {
    const g = new Graph();
    const [p1, p2, z1, z2] = ['p1', 'p2', 'z1', 'z2'].map((n) => g.input(n, [2, 2]));
    const exe = await new ReferenceBackend().compile({ outputs: { loss: simsiamLoss(p1!, p2!, z1!, z2!) } });
    const out = await exe.run({ p1: new Float32Array(4), p2: new Float32Array([1, 0, 0, 1]), z1: new Float32Array([1, 0, 0, 1]), z2: new Float32Array(4) });
    expect(out['loss']!.data[0]).toBeCloseTo(-0.5, 12);
  });

  it('names the shapes it refuses', () => {
    const g = new Graph();
    const a = g.input('a', [4, 3]);
    const b = g.input('b', [4, 2]);
    expect(() => simsiamLoss(a, a, a, b)).toThrow(ShapeError);
    expect(() => simsiamLoss(a, a, a, b)).toThrow('simsiam: p1, p2, z1, z2 must be four [N,D] tensors of one shape, got [4,3], [4,3], [4,3], [4,2]');
    expect(() => cosineSimilarity(g.input('c', [4]), g.input('d', [4]))).toThrow(ShapeError);
  });
});
