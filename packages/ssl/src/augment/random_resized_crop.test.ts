import { describe, expect, it } from 'vitest';
import { Rng } from '@dogo/core';
import { identityBoxes, sampleCropBoxes } from './random_resized_crop.js';

describe('RandomResizedCrop parameters', () => {
  it('draws boxes inside the image with area and aspect in range', () => {
    const rng = new Rng(1);
    const boxes = sampleCropBoxes(rng, 2000, 28, 28);
    let flips = 0;
    for (let i = 0; i < 2000; i++) {
      const [t, l, h, w, f] = boxes.subarray(i * 5, i * 5 + 5) as unknown as number[];
      expect(t! >= 0 && l! >= 0 && h! >= 1 && w! >= 1 && t! + h! <= 28 && l! + w! <= 28).toBe(true);
      // Rounding to whole pixels widens the bounds a little on a 28 px image.
      expect((h! * w!) / (28 * 28)).toBeGreaterThan(0.03);
      flips += f!;
    }
    expect(flips / 2000).toBeGreaterThan(0.45);
    expect(flips / 2000).toBeLessThan(0.55);
  });

  it('is deterministic for a seed', () => {
    expect(sampleCropBoxes(new Rng(7), 16, 32, 32)).toEqual(sampleCropBoxes(new Rng(7), 16, 32, 32));
    expect(sampleCropBoxes(new Rng(7), 16, 32, 32)).not.toEqual(sampleCropBoxes(new Rng(8), 16, 32, 32));
  });

  it('falls back to a centred crop when no try fits', () => {
    // Scale above 1 never fits: every box is the whole (square) image.
    const b = sampleCropBoxes(new Rng(3), 4, 10, 10, { scale: [2, 3], flip: 0 });
    for (let i = 0; i < 4; i++) expect(Array.from(b.subarray(i * 5, i * 5 + 5))).toEqual([0, 0, 10, 10, 0]);
    expect(Array.from(identityBoxes(1, 5, 6))).toEqual([0, 0, 5, 6, 0]);
  });
});
