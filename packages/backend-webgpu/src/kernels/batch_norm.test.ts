import { describe, expect, test } from 'vitest';
import { batchNormBackwardKernel, batchNormKernel } from '@dogo/shaders-tensor';
import { getTestGpu } from '../test_device.js';
import { batchNormRef } from '../testing/reference.js';
import { randomArray, relL2, runKernel } from '../testing/util.js';

const gpu = await getTestGpu();

describe.skipIf(!gpu)('batch norm kernels on WebGPU', () => {
  for (const [n, c, hw] of [[4, 6, 25], [3, 5, 1], [2, 3, 300]] as const) {
    const x = randomArray(n * c * hw, 61, -2, 3);
    const gamma = randomArray(c, 62, 0.5, 1.5);
    const beta = randomArray(c, 63);
    const dy = randomArray(n * c * hw, 64);
    const ref = batchNormRef(x, n, c, hw, gamma, beta, 1e-5, dy);

    test(`forward [${n}, ${c}, ${hw}]`, async () => {
      const got = await runKernel(gpu!.runner, batchNormKernel({ n, c, hw }, 1e-5), { x, gamma, beta }, { y: x.length, mean: c, invstd: c });
      expect(relL2(got.y!, ref.y)).toBeLessThan(1e-5);
      expect(relL2(got.mean!, ref.mean)).toBeLessThan(1e-5);
      expect(relL2(got.invstd!, ref.invstd)).toBeLessThan(1e-5);
    });

    test(`backward [${n}, ${c}, ${hw}]`, async () => {
      const mean = Float32Array.from(ref.mean);
      const invstd = Float32Array.from(ref.invstd);
      const got = await runKernel(gpu!.runner, batchNormBackwardKernel({ n, c, hw }), { x, dy, gamma, mean, invstd }, { dx: x.length, dgamma: c, dbeta: c });
      expect(relL2(got.dx!, ref.dx)).toBeLessThan(1e-5);
      expect(relL2(got.dgamma!, ref.dgamma)).toBeLessThan(1e-5);
      expect(relL2(got.dbeta!, ref.dbeta)).toBeLessThan(1e-5);
    });
  }
});
