import { describe, expect, it } from 'vitest';
import type { Dataset } from '@dogo/data';
import { datasetFromBytes, datasetToBytes, randomSubset, resizeDataset, splitHeldOut } from './data_sources.js';

function toy(count: number, classes = 3, c = 3, side = 5): Dataset {
  return {
    name: 'toy', count, channels: c, height: side, width: side, classes: Array.from({ length: classes }, (_, i) => `c${i}`),
    images: Uint8Array.from({ length: count * c * side * side }, (_, i) => (i * 7) % 256),
    labels: Int32Array.from({ length: count }, (_, i) => i % classes),
  };
}

describe('data sources', () => {
  it('keeps a dataset in bytes and back, whatever the image size', () => {
    const d = toy(7);
    const { header, bytes } = datasetToBytes(d);
    const back = datasetFromBytes(header, bytes);
    expect(Array.from(back.images)).toEqual(Array.from(d.images));
    expect(Array.from(back.labels)).toEqual(Array.from(d.labels));
    expect(back.classes).toEqual(d.classes);
  });

  it('holds out a fifth of each class, disjoint and seeded', () => {
    const d = toy(30);
    const a = splitHeldOut(d, 0.2, 1);
    expect(a.train.count + a.test.count).toBe(30);
    expect(a.test.count).toBe(6);
    expect(Array.from(a.test.labels).sort()).toEqual([0, 0, 1, 1, 2, 2]);
    expect(Array.from(splitHeldOut(d, 0.2, 1).test.images)).toEqual(Array.from(a.test.images));
  });

  it('subsets and resizes', () => {
    const d = toy(10, 2, 1, 4);
    expect(randomSubset(d, 4, 0).count).toBe(4);
    expect(randomSubset(d, 40, 0)).toBe(d);
    const r = resizeDataset(d, 8);
    expect([r.height, r.width, r.images.length]).toEqual([8, 8, 10 * 64]);
  });
});
