import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptDatasetError, DatasetNotFoundError } from '../errors.js';
import { decodeImageBytes, loadImageFolder, sniffImageFormat } from './image_folder.js';

const root = mkdtempSync(path.join(tmpdir(), 'dogo-imgfolder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function png(file: string, w: number, h: number, rgb: [number, number, number]): void {
  const img = new pngjs.PNG({ width: w, height: h });
  for (let p = 0; p < w * h; p++) img.data.set([...rgb, 255], p * 4);
  writeFileSync(file, pngjs.PNG.sync.write(img));
}

function jpg(file: string, w: number, h: number, rgb: [number, number, number]): void {
  const data = Buffer.alloc(w * h * 4);
  for (let p = 0; p < w * h; p++) data.set([...rgb, 255], p * 4);
  writeFileSync(file, jpeg.encode({ data, width: w, height: h }, 100).data);
}

function folder(name: string, build: (dir: string) => void): string {
  const dir = path.join(root, name);
  mkdirSync(dir);
  build(dir);
  return dir;
}

describe('image folder', () => {
  const good = folder('good', (dir) => {
    mkdirSync(path.join(dir, 'cats'));
    mkdirSync(path.join(dir, 'ants'));
    png(path.join(dir, 'cats', 'b.png'), 4, 2, [255, 0, 0]);
    jpg(path.join(dir, 'cats', 'a.JPG'), 4, 2, [0, 0, 255]);
    png(path.join(dir, 'ants', 'x.png'), 4, 2, [0, 255, 0]);
    writeFileSync(path.join(dir, 'ants', 'notes.txt'), 'ignored');
  });

  it('loads sorted classes and files into NCHW, RGB or gray', () => {
    const ds = loadImageFolder(good);
    expect(ds).toMatchObject({ name: 'good', count: 3, channels: 3, height: 2, width: 4, classes: ['ants', 'cats'] });
    expect(Array.from(ds.labels)).toEqual([0, 1, 1]);
    const px = (i: number, c: number): number => ds.images[i * 24 + c * 8];
    expect([px(0, 0), px(0, 1), px(0, 2)]).toEqual([0, 255, 0]); // ants/x.png: green
    expect(px(1, 2)).toBeGreaterThan(240); // cats/a.JPG: blue (lossy)
    expect([px(2, 0), px(2, 1), px(2, 2)]).toEqual([255, 0, 0]); // cats/b.png: red
    const gray = loadImageFolder(good, { channels: 1 });
    expect(gray.images.length).toBe(3 * 8);
    expect(gray.images[0]).toBe(150);
  });

  it('refuses mixed sizes unless given a target size', () => {
    const mixed = folder('mixed', (dir) => {
      mkdirSync(path.join(dir, 'a'));
      png(path.join(dir, 'a', '1.png'), 4, 4, [10, 10, 10]);
      png(path.join(dir, 'a', '2.png'), 8, 6, [20, 20, 20]);
    });
    expect(() => loadImageFolder(mixed)).toThrow(CorruptDatasetError);
    expect(() => loadImageFolder(mixed)).toThrow(/2\.png: image is 8x6 but .*1\.png is 4x4; pass the size option/);
    const ds = loadImageFolder(mixed, { size: { height: 3, width: 3 }, channels: 1, resize: 'nearest' });
    expect(Array.from(ds.images)).toEqual([...new Array(9).fill(10), ...new Array(9).fill(20)]);
  });

  it('names the file that does not decode, and the folder that is missing or empty', () => {
    const bad = folder('bad', (dir) => {
      mkdirSync(path.join(dir, 'a'));
      writeFileSync(path.join(dir, 'a', 'broken.png'), 'not a png');
    });
    expect(() => loadImageFolder(bad)).toThrow(/broken\.png: cannot decode as PNG/);
    expect(() => loadImageFolder(path.join(root, 'nope'))).toThrow(DatasetNotFoundError);
    const empty = folder('empty', (dir) => mkdirSync(path.join(dir, 'a')));
    expect(() => loadImageFolder(empty)).toThrow(/class folder "a" holds no .png/);
  });

  it('decodes bytes by their signature, not a name, and refuses images over a pixel limit before decoding', () => {
    const file = path.join(root, 'bytes.png');
    png(file, 4, 3, [1, 2, 3]);
    const pngBytes = new Uint8Array(readFileSync(file));
    jpg(file, 5, 2, [200, 200, 200]);
    const jpgBytes = new Uint8Array(readFileSync(file));
    expect([sniffImageFormat(pngBytes), sniffImageFormat(jpgBytes), sniffImageFormat(new Uint8Array([1, 2, 3]))]).toEqual(['png', 'jpeg', undefined]);
    expect(decodeImageBytes(pngBytes, 'upload')).toMatchObject({ width: 4, height: 3, channels: 4 });
    expect(decodeImageBytes(jpgBytes, 'upload')).toMatchObject({ width: 5, height: 2, channels: 4 });
    expect(() => decodeImageBytes(new TextEncoder().encode('GIF89a'), 'upload')).toThrow(/upload: not a PNG or JPEG image \(its first bytes are 47 49 46 38\)/);
    expect(() => decodeImageBytes(pngBytes, 'upload', { maxPixels: 11 })).toThrow('upload: the PNG is 4x3 pixels, more than the 11 allowed');
    expect(() => decodeImageBytes(jpgBytes, 'upload', { maxPixels: 9 })).toThrow(CorruptDatasetError);
    expect(decodeImageBytes(pngBytes, 'upload', { maxPixels: 12 }).width).toBe(4);
  });
});
