import { describe, expect, test } from 'vitest';
import { GEMM_TILINGS, conv2dBackwardDataKernel, conv2dBackwardWeightKernel, conv2dKernel, type ConvShape, type GemmTilingName } from '@dogo/shaders-tensor';
import { getTestGpu } from '../test_device.js';
import { conv2dBackwardDataRef, conv2dBackwardWeightRef, conv2dRef, convGeometry } from '../testing/reference.js';
import { randomArray, relL2, runKernel } from '../testing/util.js';

const gpu = await getTestGpu();

interface Case {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride: number;
  pad: number;
}

const CASES: Case[] = [
  { name: '3x3 s1 p1', x: [4, 3, 9, 9], w: [8, 3, 3, 3], stride: 1, pad: 1 },
  { name: '3x3 s2 p1', x: [2, 8, 10, 10], w: [16, 8, 3, 3], stride: 2, pad: 1 },
  { name: '1x1 s2', x: [2, 8, 10, 10], w: [16, 8, 1, 1], stride: 2, pad: 0 },
  { name: '7x7 s2 p3', x: [2, 3, 16, 16], w: [8, 3, 7, 7], stride: 2, pad: 3 },
  { name: '3x3 p0', x: [2, 4, 7, 7], w: [5, 4, 3, 3], stride: 1, pad: 0 },
  // Odd sizes and stride 3: phases with fewer pixels and taps than the largest one.
  { name: '5x5 s3 p2 odd', x: [1, 2, 11, 13], w: [3, 2, 5, 5], stride: 3, pad: 2 },
  { name: '2x2 s2 p0', x: [2, 3, 7, 9], w: [4, 3, 2, 2], stride: 2, pad: 0 },
];

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

describe.skipIf(!gpu)('conv2d kernels on WebGPU', () => {
  for (const c of CASES) {
    const shape: ConvShape = { x: c.x, weight: c.w, stride: c.stride, padding: c.pad };
    const g = convGeometry(c.x, c.w, c.stride, c.pad);
    const x = randomArray(size(c.x), 11);
    const w = randomArray(size(c.w), 12);
    const dy = randomArray(g.n * g.o * g.oh * g.ow, 13);

    test(`forward ${c.name}: x[${c.x}] w[${c.w}]`, async () => {
      const { y } = await runKernel(gpu!.runner, conv2dKernel(shape), { x, weight: w }, { y: dy.length });
      expect(relL2(y!, conv2dRef(x, w, g))).toBeLessThan(1e-5);
    });

    for (const phases of c.stride > 1 ? [true, false] : [false]) {
      test(`backward data ${c.name}${phases ? ' (stride phases)' : ''}`, async () => {
        // dx starts as NaN: every pixel must be written, those no tap reaches included.
        const { dx } = await runKernel(gpu!.runner, conv2dBackwardDataKernel(shape, { phases }), { dy, weight: w }, { dx: x.length }, NaN);
        expect(relL2(dx!, conv2dBackwardDataRef(dy, w, g))).toBeLessThan(1e-5);
      });
    }

    test(`backward weight ${c.name}`, async () => {
      const { kernel } = conv2dBackwardWeightKernel(shape, { splits: 1 });
      const { dweight } = await runKernel(gpu!.runner, kernel, { x, dy }, { dweight: w.length });
      expect(relL2(dweight!, conv2dBackwardWeightRef(x, dy, g))).toBeLessThan(1e-5);
    });
  }

  // A long reduction (batch*oh*ow = 4*12*12 = 576) split in 3 and 5 (the last split shorter); the partial
  // dweights must add up to the whole.
  for (const splits of [3, 5]) {
    test(`backward weight split-K in ${splits}`, async () => {
      const shape: ConvShape = { x: [4, 3, 12, 12], weight: [6, 3, 3, 3], stride: 1, padding: 1 };
      const g = convGeometry([4, 3, 12, 12], [6, 3, 3, 3], 1, 1);
      const x = randomArray(4 * 3 * 12 * 12, 21);
      const dy = randomArray(4 * 6 * 12 * 12, 22);
      const launch = conv2dBackwardWeightKernel(shape, { splits });
      expect(launch.split.splits).toBe(splits);
      const { dweight } = await runKernel(gpu!.runner, launch.kernel, { x, dy }, { dweight: splits * launch.weightSize }, NaN);
      const sum = new Float32Array(launch.weightSize);
      for (let s = 0; s < splits; s++) for (let i = 0; i < sum.length; i++) sum[i]! += dweight![s * sum.length + i]!;
      expect(relL2(sum, conv2dBackwardWeightRef(x, dy, g))).toBeLessThan(1e-5);
    });
  }

  // Every tiling of the table on one shape with ragged edges, for all three kernels.
  const shape: ConvShape = { x: [2, 5, 9, 9], weight: [7, 5, 3, 3], stride: 2, padding: 1 };
  const g = convGeometry([2, 5, 9, 9], [7, 5, 3, 3], 2, 1);
  const x = randomArray(2 * 5 * 9 * 9, 31);
  const w = randomArray(7 * 5 * 3 * 3, 32);
  const dy = randomArray(g.n * g.o * g.oh * g.ow, 33);
  for (const name of Object.keys(GEMM_TILINGS) as GemmTilingName[]) {
    test(`tiling ${name}: forward, backward data, backward weight`, async () => {
      const tiling = GEMM_TILINGS[name];
      const { y } = await runKernel(gpu!.runner, conv2dKernel(shape, { tiling }), { x, weight: w }, { y: dy.length });
      expect(relL2(y!, conv2dRef(x, w, g))).toBeLessThan(1e-5);
      const { dx } = await runKernel(gpu!.runner, conv2dBackwardDataKernel(shape, { tiling }), { dy, weight: w }, { dx: x.length });
      expect(relL2(dx!, conv2dBackwardDataRef(dy, w, g))).toBeLessThan(1e-5);
      const { dweight } = await runKernel(gpu!.runner, conv2dBackwardWeightKernel(shape, { tiling, splits: 1 }).kernel, { x, dy }, { dweight: w.length });
      expect(relL2(dweight!, conv2dBackwardWeightRef(x, dy, g))).toBeLessThan(1e-5);
    });
  }
});
