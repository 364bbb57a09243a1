import { describe, expect, test } from 'vitest';
import { pool2dBackwardKernel, pool2dKernel, type PoolShape } from '@dogo/shaders-tensor';
import { getTestGpu } from '../test_device.js';
import { pool2dRef } from '../testing/reference.js';
import { randomArray, relL2, runKernel } from '../testing/util.js';

const gpu = await getTestGpu();

const CASES = [
  { name: '3x3 s2 p1 (ResNet stem)', x: [2, 3, 9, 9] as const, k: 3, s: 2, p: 1 },
  { name: '2x2 s2', x: [2, 4, 8, 8] as const, k: 2, s: 2, p: 0 },
  { name: '3x3 s1 p1', x: [1, 2, 5, 6] as const, k: 3, s: 1, p: 1 },
];

describe.skipIf(!gpu)('pool2d kernels on WebGPU', () => {
  for (const c of CASES)
    for (const mode of ['max', 'avg'] as const) {
      const shape: PoolShape = { x: c.x, kernel: c.k, stride: c.s, padding: c.p };
      const x = randomArray(c.x.reduce((a: number, b: number) => a * b, 1), 51);
      const oh = Math.floor((c.x[2] + 2 * c.p - c.k) / c.s) + 1;
      const ow = Math.floor((c.x[3] + 2 * c.p - c.k) / c.s) + 1;
      const dy = randomArray(c.x[0] * c.x[1] * oh * ow, 52);
      const ref = pool2dRef(mode, x, c.x, c.k, c.s, c.p, dy);

      test(`${mode} forward ${c.name}`, async () => {
        const { y } = await runKernel(gpu!.runner, pool2dKernel(mode, shape), { x }, { y: dy.length });
        expect(relL2(y!, ref.y)).toBeLessThan(1e-5);
      });

      test(`${mode} backward ${c.name}`, async () => {
        const inputs: Record<string, Float32Array> = mode === 'max' ? { dy, x } : { dy };
        const { dx } = await runKernel(gpu!.runner, pool2dBackwardKernel(mode, shape), inputs, { dx: x.length });
        expect(relL2(dx!, ref.dx)).toBeLessThan(1e-5);
      });
    }
});
