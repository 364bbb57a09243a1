/** The gradcheck helper itself: it passes correct gradients and catches wrong ones. */
import { describe, expect, it } from 'vitest';
import { gradcheck, ops } from '../index.js';

describe('gradcheck', () => {
  it('passes a correct gradient and returns analytic and numeric values', async () => {
    const r = await gradcheck(({ x }) => ops.mul(x!, x!), { x: { shape: [4] } });
    expect(r.ok, r.report).toBe(true);
    expect(r.inputs).toHaveLength(1);
    expect(r.inputs[0]!.maxViolation).toBeLessThan(0.1);
    expect(r.grads['x']).toBeInstanceOf(Float64Array);
    expect(r.numeric['x']).toHaveLength(4);
  });

  it('catches a wrong gradient and says where', async () => {
    // stop_gradient hides half of d(x·x)/dx from autodiff, so the analytic gradient is x instead of 2x.
    const r = await gradcheck(({ x }) => ops.mul(x!, ops.stopGradient(x!)), { x: { shape: [3], range: [0.5, 1] } });
    expect(r.ok).toBe(false);
    expect(r.report).toMatch(/FAIL x\[3\]/);
    for (let i = 0; i < 3; i++) expect(r.numeric['x']![i]).toBeCloseTo(2 * r.grads['x']![i]!, 6);
  });

  it('sums several outputs, leaves int32 inputs alone and reports unread inputs as zero', async () => {
    const r = await gradcheck(
      ({ x, labels }) => [ops.exp(x!), ops.mul(ops.oneHot(labels!, 3), x!)],
      { x: { shape: [2, 3] }, labels: { shape: [2], dtype: 'int32', data: [2, 0] }, unused: { shape: [2] } },
    );
    expect(r.ok, r.report).toBe(true);
    expect(Object.keys(r.grads).sort()).toEqual(['unused', 'x']);
    expect(r.grads['unused']!.every((v) => v === 0)).toBe(true);
    expect(r.numeric['unused']!.every((v) => v === 0)).toBe(true);
  });

  it('is deterministic for a seed', async () => {
    const run = () => gradcheck(({ x }) => ops.tanh(x!), { x: { shape: [3] } }, { seed: 5 });
    const [a, b] = [await run(), await run()];
    expect([...a.grads['x']!]).toEqual([...b.grads['x']!]);
  });

  it('refuses data of the wrong length', async () => {
    await expect(gradcheck(({ x }) => x!, { x: { shape: [3], data: [1, 2] } })).rejects.toThrow(/"x" has 2 values for shape \[3\]/);
  });
});
