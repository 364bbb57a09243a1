import { describe, expect, it } from 'vitest';
import { Conv2d } from '../layers/conv2d.js';
import { Linear } from '../layers/linear.js';
import { Sequential } from '../layers/sequential.js';
import { GlobalAvgPool } from '../layers/pool2d.js';
import { BatchNorm2d } from '../layers/batch_norm.js';
import { countParameters, forwardFlops } from './analytics.js';

describe('countParameters and forwardFlops', () => {
  it('count trainable tensors, buffers on request', () => {
    const m = new Sequential(new Conv2d(3, 8, 3, 1, 1, true), new BatchNorm2d(8), new GlobalAvgPool(), new Linear(8, 5));
    expect(countParameters(m)).toBe(8 * 27 + 8 + 16 + 45);
    expect(countParameters(m, { includeBuffers: true })).toBe(8 * 27 + 8 + 32 + 45);
  });

  it('are 2 x multiply-adds of convolutions and matrix products, per image', () => {
    // Conv 3->8, 3x3, stride 2, pad 1 on 9x9: 5x5 outputs; then a linear 8 -> 5.
    const m = new Sequential(new Conv2d(3, 8, 3, 2, 1), new GlobalAvgPool(), new Linear(8, 5));
    expect(forwardFlops(m, [3, 9, 9])).toBe(2 * (8 * 5 * 5 * 3 * 9 + 8 * 5));
    expect(() => forwardFlops(m, [9, 9])).toThrow(/\[C, H, W\]/);
  });
});
