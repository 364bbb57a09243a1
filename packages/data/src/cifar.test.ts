import { describe, expect, it } from 'vitest';
import { CIFAR100_COARSE_CLASSES, CIFAR100_FINE_CLASSES, CIFAR10_CLASSES } from './cifar_classes.js';
import { cifar100Dataset, cifar10Dataset, readCifar100Batch, readCifar10Batch } from './cifar.js';
import { CorruptDatasetError } from './errors.js';

function records(labelBytes: number[][]): Uint8Array {
  const size = labelBytes[0].length + 3072;
  const out = new Uint8Array(labelBytes.length * size);
  labelBytes.forEach((ls, i) => {
    out.set(ls, i * size);
    out.fill((i * 7 + 1) & 0xff, i * size + ls.length, (i + 1) * size);
    out[i * size + ls.length + 1024] = 200; // first green pixel
  });
  return out;
}

describe('CIFAR binary readers', () => {
  it('reads CIFAR-10 and CIFAR-100 batches into CHW datasets', () => {
    const b10 = readCifar10Batch(records([[3], [9]]), 'data_batch_1.bin');
    expect(b10.count).toBe(2);
    const ds = cifar10Dataset([b10, readCifar10Batch(records([[0]]))]);
    expect(ds).toMatchObject({ count: 3, channels: 3, height: 32, width: 32 });
    expect(Array.from(ds.labels)).toEqual([3, 9, 0]);
    expect(ds.images[0]).toBe(1);
    expect(ds.images[1024]).toBe(200);
    expect(ds.images[3072]).toBe(8);
    const b100 = readCifar100Batch(records([[19, 99], [0, 4]]), 'train.bin');
    expect(Array.from(cifar100Dataset([b100]).labels)).toEqual([99, 4]);
    expect(Array.from(cifar100Dataset([b100], 'coarse').labels)).toEqual([19, 0]);
    expect([CIFAR10_CLASSES.length, CIFAR100_FINE_CLASSES.length, CIFAR100_COARSE_CLASSES.length]).toEqual([10, 100, 20]);
    expect(new Set(CIFAR100_FINE_CLASSES).size).toBe(100);
  });

  it('rejects a truncated batch, naming the file and offset', () => {
    const cut = records([[1], [2]]).subarray(0, 3073 + 100);
    expect(() => readCifar10Batch(cut, 'data_batch_2.bin')).toThrow(CorruptDatasetError);
    expect(() => readCifar10Batch(cut, 'data_batch_2.bin')).toThrow(/^data_batch_2\.bin: 3173 bytes is not a whole number of 3073-byte records.*byte offset 3073/);
    // A CIFAR-100 file read as CIFAR-10 (3074-byte records) is refused the same way.
    expect(() => readCifar10Batch(records([[1, 2], [3, 4]]), 'train.bin')).toThrow(/not a whole number of 3073-byte records/);
  });

  it('rejects out-of-range labels with their byte offset', () => {
    expect(() => readCifar10Batch(records([[1], [10]]), 'test_batch.bin')).toThrow(/^test_batch\.bin: byte offset 3073: label label 10 of record 1 is outside \[0, 10\)/);
    expect(() => readCifar100Batch(records([[20, 5]]), 'train.bin')).toThrow(/byte offset 0: coarse label 20 of record 0 is outside \[0, 20\)/);
    expect(() => readCifar100Batch(records([[2, 5], [3, 100]]), 'train.bin')).toThrow(/byte offset 3075: fine label 100 of record 1 is outside \[0, 100\)/);
  });
});
