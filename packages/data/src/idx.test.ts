import { describe, expect, it } from 'vitest';
import { CorruptDatasetError } from './errors.js';
import { fashionMnistDataset } from './fashion_mnist.js';
import { parseIdxImages, readIdxImages, readIdxLabels } from './idx.js';

/** An IDX file: big-endian magic and dims, then `data`. */
function idxFile(magic: number, dims: number[], data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(Array.from(data), 4 + 4 * dims.length);
  return out;
}

/** Gzips bytes with the web-standard CompressionStream. */
async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const images = idxFile(0x803, [2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
const labels = idxFile(0x801, [2], [9, 0]);

describe('IDX reader', () => {
  it('reads images and labels, raw or gzipped', async () => {
    const img = await readIdxImages(images, 'x-images');
    expect(img).toMatchObject({ count: 2, height: 2, width: 3 });
    expect(Array.from(img.images)).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    expect(await readIdxImages(await gzip(images), 'x-images.gz')).toEqual(img);
    const lab = await readIdxLabels(await gzip(labels), 'x-labels.gz');
    expect(Array.from(lab.labels)).toEqual([9, 0]);
    const ds = await fashionMnistDataset({ images, labels });
    expect(ds).toMatchObject({ count: 2, channels: 1, height: 2, width: 3 });
    expect(Array.from(ds.labels)).toEqual([9, 0]);
    expect(ds.classes[9]).toBe('Ankle boot');
  });

  it('rejects a truncated file, naming the file and the offset', async () => {
    const cut = images.subarray(0, images.length - 1);
    await expect(readIdxImages(cut, 'train-images-idx3-ubyte')).rejects.toThrow(CorruptDatasetError);
    await expect(readIdxImages(cut, 'train-images-idx3-ubyte')).rejects.toThrow(/^train-images-idx3-ubyte: truncated at byte offset 27: dimensions \[2, 2, 3\] need 28 bytes/);
    await expect(readIdxLabels(labels.subarray(0, 6), 'l')).rejects.toThrow(/truncated inside the 8-byte IDX header \(at offset 6\)/);
    const gz = await gzip(images);
    await expect(readIdxImages(gz.subarray(0, gz.length - 10), 'cut.gz')).rejects.toThrow(/^cut\.gz: gzip data is damaged or truncated/);
  });

  it('rejects a wrong magic, saying what the file looks like', async () => {
    await expect(readIdxImages(labels, 'swapped')).rejects.toThrow(/^swapped: byte offset 0: magic 0x00000801, expected 0x00000803 for IDX images \(1 dimensions; images have 3: is this the labels file\?\)/);
    await expect(readIdxLabels(images, 'swapped')).rejects.toThrow(/is this the images file\?/);
    await expect(readIdxImages(idxFile(0x0d03, [1, 1, 1], [0, 0, 0, 0]), 'f')).rejects.toThrow(/element type float; only ubyte/);
    await expect(readIdxImages(new TextEncoder().encode('<html>not found</html>'), 'page.html')).rejects.toThrow(/not an IDX file/);
  });

  it('rejects an out-of-range label with its byte offset', async () => {
    const bad = idxFile(0x801, [3], [1, 10, 2]);
    await expect(readIdxLabels(bad, 'labels')).rejects.toThrow(CorruptDatasetError);
    await expect(readIdxLabels(bad, 'labels')).rejects.toThrow(/^labels: byte offset 9: label 10 of item 1 is outside \[0, 10\)/);
    expect((await readIdxLabels(bad, 'labels', 11)).count).toBe(3);
  });

  it('rejects trailing bytes, still-gzipped sync input and mismatched counts', async () => {
    const long = new Uint8Array([...labels, 0]);
    await expect(readIdxLabels(long, 'l')).rejects.toThrow(/1 unexpected bytes after byte offset 10/);
    expect(() => parseIdxImages(new Uint8Array([0x1f, 0x8b, 8, 0]), 'g')).toThrow(/still gzip-compressed/);
    await expect(fashionMnistDataset({ images, labels: idxFile(0x801, [3], [0, 1, 2]), labelsSource: 'lab' })).rejects.toThrow(/^lab: byte offset 4: 3 labels but .* holds 2 images/);
  });
});
