/** --data: a training and a test split that disagree (image size, classes) are refused, naming the difference. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pngjs from 'pngjs';
import { DatasetMismatchError } from '@dogo/data';
import { loadData } from './datasets.js';
import { writeTinyDataset } from './test_tiny_dataset.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dogo-splits-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function idx(magic: number, dims: number[], body: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, body]);
}

function png(file: string, size: number): void {
  const p = new pngjs.PNG({ width: size, height: size });
  p.data.fill(128);
  writeFileSync(file, pngjs.PNG.sync.write(p));
}

function folder(root: string, split: string, classes: string[], size = 8): void {
  for (const c of classes) {
    mkdirSync(path.join(root, split, c), { recursive: true });
    png(path.join(root, split, c, 'a.png'), size);
  }
}

describe('loadData: the splits must agree', () => {
  it('refuses an IDX test split of another image size', async () => {
    const d = path.join(dir, 'idx');
    mkdirSync(d);
    await writeTinyDataset(d);
    writeFileSync(path.join(d, 't10k-images-idx3-ubyte'), idx(0x803, [40, 10, 10], new Uint8Array(40 * 100)));
    const err = await loadData(`fashion-mnist:${d}`).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetMismatchError);
    expect((err as Error).message).toContain(`--data fashion-mnist:${d}: the training and test splits do not match: images are 1x12x12 (channels x height x width) in the training split "fashion-mnist/train" but 1x10x10 in the test split "fashion-mnist/test"`);
  });

  it('refuses an image folder whose test classes differ from the training classes', async () => {
    const d = path.join(dir, 'folder-classes');
    folder(d, 'train', ['cat', 'dog']);
    folder(d, 'test', ['cat', 'fox']);
    await expect(loadData(`folder:${d}`)).rejects.toThrow('classes differ: the test split lacks "dog"; the test split has "fox", which training does not');
  });

  it('refuses an image folder whose test images have another size, and accepts matching splits', async () => {
    const d = path.join(dir, 'folder-size');
    folder(d, 'train', ['a', 'b'], 8);
    folder(d, 'test', ['a', 'b'], 6);
    await expect(loadData(`folder:${d}`)).rejects.toThrow('images are 3x8x8 (channels x height x width) in the training split "train" but 3x6x6 in the test split "test"');
    const ok = path.join(dir, 'folder-ok');
    folder(ok, 'train', ['a', 'b']);
    folder(ok, 'test', ['a', 'b']);
    const splits = await loadData(`folder:${ok}`);
    expect(splits.test.classes).toEqual(['a', 'b']);
  });
});
