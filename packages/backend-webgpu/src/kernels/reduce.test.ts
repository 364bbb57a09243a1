import { describe, expect, test } from 'vitest';
import { reduceKernel, reduceView, type ReduceOp } from '@dogo/shaders-tensor';
import { getTestGpu } from '../test_device.js';
import { randomArray, relL2, runKernel } from '../testing/util.js';

const gpu = await getTestGpu();

function reduceRef(op: ReduceOp, x: Float32Array, outer: number, reduce: number, inner: number): Float64Array {
  const y = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < inner; j++) {
      let acc = op === 'max' ? -Infinity : 0;
      for (let r = 0; r < reduce; r++) {
        const v = x[(o * reduce + r) * inner + j]!;
        acc = op === 'max' ? Math.max(acc, v) : acc + v;
      }
      y[o * inner + j] = op === 'mean' ? acc / reduce : acc;
    }
  return y;
}

describe.skipIf(!gpu)('reduce kernel on WebGPU', () => {
  const shape = [3, 300, 5];
  const x = randomArray(3 * 300 * 5, 31);
  for (const op of ['sum', 'mean', 'max'] as const)
    for (const axis of [0, 1, 2])
      for (const perThread of [false, true]) {
        test(`${op} over axis ${axis} of [${shape}] (${perThread ? 'thread' : 'workgroup'} per output)`, async () => {
          const v = reduceView(shape, axis);
          const { out } = await runKernel(gpu!.runner, reduceKernel(op, v, { perThread }), { x }, { out: v.outer * v.inner });
          expect(relL2(out!, reduceRef(op, x, v.outer, v.reduce, v.inner))).toBeLessThan(1e-5);
        });
      }

  test('all axes at once (scalar sum of 4099 elements, default strategy)', async () => {
    const y = randomArray(4099, 32);
    const v = reduceView([4099], 0);
    const { out } = await runKernel(gpu!.runner, reduceKernel('sum', v), { x: y }, { out: 1 });
    expect(relL2(out!, reduceRef('sum', y, 1, 4099, 1))).toBeLessThan(1e-5);
  });
});
