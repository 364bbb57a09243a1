/** firstPerClass: the first images of each class in file order, and its errors. */
import { describe, expect, it } from 'vitest';
import { classCounts, firstPerClass, type Dataset } from './dataset.js';

// 1x1x2 images whose pixels encode the index, labels 0,1,2,0,1,0,2,2,1.
const LABELS = [0, 1, 2, 0, 1, 0, 2, 2, 1];
const d: Dataset = {
  name: 'toy', images: Uint8Array.from(LABELS.flatMap((_, i) => [i, 100 + i])), labels: Int32Array.from(LABELS),
  count: LABELS.length, channels: 1, height: 1, width: 2, classes: ['a', 'b', 'c'],
};

describe('firstPerClass', () => {
  it('keeps the first N images of each class in file order, pixels with their labels', () => {
    const s = firstPerClass(d, 2);
    expect(s.count).toBe(6);
    expect([...s.labels]).toEqual([0, 1, 2, 0, 1, 2]);
    expect([...s.images]).toEqual([0, 100, 1, 101, 2, 102, 3, 103, 4, 104, 6, 106]);
    expect(classCounts(s)).toEqual([2, 2, 2]);
    expect(s.name).toBe('toy[first 2/class]');
    expect(s.classes).toEqual(d.classes);
  });

  it('refuses a class with too few images and a non-positive count', () => {
    expect(() => firstPerClass(d, 4)).toThrow('dataset "toy": class a has 3 images, fewer than the 4 asked for');
    expect(() => firstPerClass(d, 0)).toThrow(RangeError);
    expect(() => firstPerClass(d, 1.5)).toThrow(RangeError);
  });
});
