import { describe, expect, test } from 'vitest';
import { conv2dBackwardDataKernel, conv2dBackwardWeightKernel, conv2dKernel, type ConvShape } from '@dogo/shaders-tensor';
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
  bias?: boolean;
  relu?: boolean;
}

const CASES: Case[] = [
  { name: '3x3 s1 p1', x: [4, 3, 9, 9], w: [8, 3, 3, 3], stride: 1, pad: 1 },
  { name: '3x3 s2 p1', x: [2, 8, 10, 10], w: [16, 8, 3, 3], stride: 2, pad: 1 },
  { name: '1x1 s2', x: [2, 8, 10, 10], w: [16, 8, 1, 1], stride: 2, pad: 0 },
  { name: '7x7 s2 p3 bias', x: [2, 3, 16, 16], w: [8, 3, 7, 7], stride: 2, pad: 3, bias: true },
  { name: '3x3 p0 bias relu', x: [2, 4, 7, 7], w: [5, 4, 3, 3], stride: 1, pad: 0, bias: true, relu: true },
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
      const bias = c.bias ? randomArray(g.o, 14) : undefined;
      const kernel = conv2dKernel(shape, { bias: !!c.bias, relu: !!c.relu });
      const inputs: Record<string, Float32Array> = { x, weight: w };
      if (bias) inputs.bias = bias;
      const { y } = await runKernel(gpu!.runner, kernel, inputs, { y: dy.length });
      expect(relL2(y!, conv2dRef(x, w, g, bias, !!c.relu))).toBeLessThan(1e-5);
    });

    test(`backward data ${c.name}`, async () => {
      const { dx } = await runKernel(gpu!.runner, conv2dBackwardDataKernel(shape), { dy, weight: w }, { dx: x.length });
      expect(relL2(dx!, conv2dBackwardDataRef(dy, w, g))).toBeLessThan(1e-5);
    });

    test(`backward weight ${c.name}`, async () => {
      const { dweight } = await runKernel(gpu!.runner, conv2dBackwardWeightKernel(shape), { x, dy }, { dweight: w.length });
      expect(relL2(dweight!, conv2dBackwardWeightRef(x, dy, g))).toBeLessThan(1e-5);
    });
  }
});
