import { describe, expect, test } from 'vitest';
import { GEMM_TILINGS, matmulKernel, type GemmTilingName } from '@dogo/shaders-tensor';
import { getTestGpu } from '../test_device.js';
import { matmulRef } from '../testing/reference.js';
import { randomArray, relL2, runKernel } from '../testing/util.js';

const gpu = await getTestGpu();

describe.skipIf(!gpu)('matmul kernel on WebGPU', () => {
  const [m, n, k] = [37, 29, 41];
  for (const transA of [false, true])
    for (const transB of [false, true]) {
      test(`${m}x${n}x${k} transposeA=${transA} transposeB=${transB}`, async () => {
        const a = randomArray(m * k, 1);
        const b = randomArray(k * n, 2);
        const kernel = matmulKernel({ m, n, k }, { transposeA: transA, transposeB: transB });
        const { c } = await runKernel(gpu!.runner, kernel, { a, b }, { c: m * n });
        expect(relL2(c!, matmulRef(a, b, m, n, k, transA, transB))).toBeLessThan(1e-5);
      });
    }

  // Every tiling of the table, transposed and not, on sizes that leave ragged tiles in m, n and k.
  for (const name of Object.keys(GEMM_TILINGS) as GemmTilingName[]) {
    test(`tiling ${name}`, async () => {
      const [m2, n2, k2] = [133, 21, 19];
      const a = randomArray(m2 * k2, 8);
      const b = randomArray(k2 * n2, 9);
      for (const [transA, transB] of [[false, false], [true, true]] as const) {
        const kernel = matmulKernel({ m: m2, n: n2, k: k2 }, { transposeA: transA, transposeB: transB, tiling: GEMM_TILINGS[name] });
        const { c } = await runKernel(gpu!.runner, kernel, { a, b }, { c: m2 * n2 }, NaN);
        expect(relL2(c!, matmulRef(a, b, m2, n2, k2, transA, transB))).toBeLessThan(1e-5);
      }
    });
  }

  test('batched with a broadcast operand (batch stride 0)', async () => {
    const [m2, n2, k2, batch] = [5, 6, 7, 3];
    const a = randomArray(batch * m2 * k2, 6);
    const b = randomArray(k2 * n2, 7);
    const kernel = matmulKernel({ m: m2, n: n2, k: k2, batch, batchStrideB: 0 });
    const { c } = await runKernel(gpu!.runner, kernel, { a, b }, { c: batch * m2 * n2 });
    const want = new Float64Array(batch * m2 * n2);
    for (let i = 0; i < batch; i++) want.set(matmulRef(a.subarray(i * m2 * k2, (i + 1) * m2 * k2), b, m2, n2, k2, false, false), i * m2 * n2);
    expect(relL2(c!, want)).toBeLessThan(1e-5);
  });
});
