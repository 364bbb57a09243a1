import { describe, expect, test } from 'vitest';
import { softmaxKernel } from '@dogo/shaders-tensor';
import { getTestGpu } from '../test_device.js';
import { softmaxRef } from '../testing/reference.js';
import { randomArray, relL2, runKernel } from '../testing/util.js';

const gpu = await getTestGpu();

describe.skipIf(!gpu)('softmax kernel on WebGPU', () => {
  for (const [rows, cols] of [[7, 10], [3, 1000]] as const)
    for (const log of [false, true]) {
      const name = log ? 'log_softmax' : 'softmax';
      const x = randomArray(rows * cols, 41, -8, 8);
      const dy = randomArray(rows * cols, 42);
      const ref = softmaxRef(x, rows, cols, log, dy);

      test(`${name} forward ${rows}x${cols}`, async () => {
        const { y } = await runKernel(gpu!.runner, softmaxKernel(rows, cols, { log }), { x }, { y: rows * cols });
        expect(relL2(y!, ref.y)).toBeLessThan(1e-5);
      });

      test(`${name} backward ${rows}x${cols}`, async () => {
        const yIn = Float32Array.from(ref.y);
        const { dx } = await runKernel(gpu!.runner, softmaxKernel(rows, cols, { log, backward: true }), { y: yIn, dy }, { dx: rows * cols });
        expect(relL2(dx!, ref.dx)).toBeLessThan(1e-5);
      });
    }
});
