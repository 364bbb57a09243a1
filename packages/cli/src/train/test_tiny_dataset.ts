/**
 * Test helper: a tiny Fashion-MNIST-format dataset (8 train and 4 test images per class, shrunk to 12x12) made
 * from the embedded subset, written as uncompressed IDX files so `--data fashion-mnist:DIR` reads it.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadEmbeddedFashionMnist } from '@dogo/data/node';

export const SIZE = 12;

function idx(magic: number, dims: number[], body: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, body]);
}

/** perClass images of each class, shrunk to SIZE x SIZE (nearest), as uncompressed IDX files. */
export async function writeTinyDataset(dir: string): Promise<void> {
  const { train, test } = await loadEmbeddedFashionMnist();
  for (const [split, d, perClass] of [['train', train, 8], ['t10k', test, 4]] as const) {
    const picked: number[] = [];
    const counts = new Array(10).fill(0);
    for (let i = 0; i < d.count && picked.length < perClass * 10; i++) if (counts[d.labels[i]!]++ < perClass) picked.push(i);
    const img = new Uint8Array(picked.length * SIZE * SIZE);
    picked.forEach((src, k) => {
      for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) {
        img[(k * SIZE + y) * SIZE + x] = d.images[src * 784 + Math.floor((y * 28) / SIZE) * 28 + Math.floor((x * 28) / SIZE)]!;
      }
    });
    writeFileSync(path.join(dir, `${split}-images-idx3-ubyte`), idx(0x803, [picked.length, SIZE, SIZE], img));
    writeFileSync(path.join(dir, `${split}-labels-idx1-ubyte`), idx(0x801, [picked.length], Uint8Array.from(picked.map((i) => d.labels[i]!))));
  }
}

