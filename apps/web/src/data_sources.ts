/**
 * Training data for the page, loaded inside the worker: the embedded Fashion-MNIST subset (four gzipped IDX
 * files served beside the page, parsed by @dogo/data) or a folder of the user's images (decoded with
 * createImageBitmap and an OffscreenCanvas to uint8 at a chosen size; class = parent folder). Also the
 * held-out subsets of the kNN monitor and the binary form a folder dataset is kept in across reloads.
 */
import { Rng } from '@dogo/core';
import { FASHION_MNIST_FILES, checkDataset, fashionMnistDataset, resizeHwc, toChannels, writeChw, type Dataset } from '@dogo/data';

/** A training split and a held-out split. */
export interface TrainTest {
  train: Dataset;
  test: Dataset;
}

export class DataSourceError extends Error {
  override name = 'DataSourceError';
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new DataSourceError(`${url}: HTTP ${res.status}; serve the built app (npm run web), which copies the Fashion-MNIST subset next to the page`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Every image resized to size x size (bilinear), or the dataset itself when it already has that size. */
export function resizeDataset(d: Dataset, size: number): Dataset {
  if (d.height === size && d.width === size) return d;
  const c = d.channels;
  const inSample = c * d.height * d.width;
  const out = new Uint8Array(d.count * c * size * size);
  const hwc = new Uint8Array(d.height * d.width * c);
  for (let i = 0; i < d.count; i++) {
    const chw = d.images.subarray(i * inSample, (i + 1) * inSample);
    for (let k = 0; k < c; k++) for (let p = 0; p < d.height * d.width; p++) hwc[p * c + k] = chw[k * d.height * d.width + p]!;
    writeChw(resizeHwc({ data: hwc, height: d.height, width: d.width, channels: c }, size, size), out, i * c * size * size);
  }
  return { ...d, images: out, height: size, width: size };
}

/** The embedded subset (5000 training and 1000 test images), resized to `size`. */
export async function loadEmbedded(baseUrl: string, size: number): Promise<TrainTest> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const split = async (files: { images: string; labels: string }, name: string) => {
    const [images, labels] = await Promise.all([fetchBytes(`${base}${files.images}.gz`), fetchBytes(`${base}${files.labels}.gz`)]);
    return resizeDataset(await fashionMnistDataset({ images, labels, imagesSource: `${files.images}.gz`, labelsSource: `${files.labels}.gz` }, name), size);
  };
  const [train, test] = await Promise.all([split(FASHION_MNIST_FILES.train, 'fashion-mnist-subset/train'), split(FASHION_MNIST_FILES.test, 'fashion-mnist-subset/test')]);
  return { train, test };
}

const IMAGE_NAME = /\.(png|jpe?g|gif|webp|bmp|avif)$/i;

/** Decodes one image file to CHW uint8 at size x size: centre square crop, then resize; 1 or 3 channels. */
async function decodeImage(file: Blob, size: number, channels: 1 | 3, canvas: OffscreenCanvasRenderingContext2D): Promise<Uint8Array> {
  const bmp = await createImageBitmap(file);
  try {
    const side = Math.min(bmp.width, bmp.height);
    canvas.clearRect(0, 0, size, size);
    canvas.drawImage(bmp, (bmp.width - side) / 2, (bmp.height - side) / 2, side, side, 0, 0, size, size);
  } finally {
    bmp.close();
  }
  const rgba = canvas.getImageData(0, 0, size, size).data;
  const img = toChannels({ data: new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength), height: size, width: size, channels: 4 }, channels);
  const out = new Uint8Array(channels * size * size);
  writeChw(img, out, 0);
  return out;
}

/**
 * Decodes a folder of images: the class of an image is the name of its parent folder; a fifth of each
 * class (at least one image when the class has two or more) is held out for the kNN monitor.
 */
export async function loadImageFiles(
  files: readonly { file: File; path: string }[], size: number, channels: 1 | 3, seed: number, progress: (done: number, total: number) => void,
): Promise<TrainTest & { all: Dataset }> {
  const images = files.filter((f) => IMAGE_NAME.test(f.path));
  if (images.length === 0) throw new DataSourceError(`no images (.png, .jpg, .gif, .webp, .bmp, .avif) among the ${files.length} files chosen; pick a folder with one sub-folder of images per class`);
  const classOf = (path: string) => {
    const parts = path.split('/').filter(Boolean);
    return parts.length >= 2 ? parts[parts.length - 2]! : '(root)';
  };
  const classes = [...new Set(images.map((f) => classOf(f.path)))].sort();
  const ctx = new OffscreenCanvas(size, size).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new DataSourceError('OffscreenCanvas 2D is unavailable in this browser; use the embedded dataset');
  const sample = channels * size * size;
  const pixels = new Uint8Array(images.length * sample);
  const labels = new Int32Array(images.length);
  let kept = 0;
  const skipped: string[] = [];
  for (let i = 0; i < images.length; i++) {
    try {
      pixels.set(await decodeImage(images[i]!.file, size, channels, ctx), kept * sample);
      labels[kept++] = classes.indexOf(classOf(images[i]!.path));
    } catch {
      skipped.push(images[i]!.path);
    }
    if (i % 64 === 0) progress(i, images.length);
  }
  if (kept === 0) throw new DataSourceError(`none of the ${images.length} images could be decoded (first: ${skipped[0]})`);
  const root = images[0]!.path.split('/').filter(Boolean)[0] ?? 'folder';
  const all: Dataset = { name: `${root} (${kept} images)`, images: pixels.subarray(0, kept * sample), labels: labels.subarray(0, kept), count: kept, channels, height: size, width: size, classes };
  checkDataset(all);
  return { ...splitHeldOut(all, 0.2, seed), all };
}

/** Selects rows of a dataset by index. */
export function selectImages(d: Dataset, idx: ArrayLike<number>, name = d.name): Dataset {
  const sample = d.channels * d.height * d.width;
  const images = new Uint8Array(idx.length * sample);
  const labels = new Int32Array(idx.length);
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j]!;
    images.set(d.images.subarray(i * sample, (i + 1) * sample), j * sample);
    labels[j] = d.labels[i]!;
  }
  return { ...d, name, images, labels, count: idx.length };
}

/** A held-out fraction of each class becomes the test split (seeded). */
export function splitHeldOut(d: Dataset, fraction: number, seed: number): TrainTest {
  const rng = new Rng(seed).fork('held_out');
  const byClass = d.classes.map(() => [] as number[]);
  for (let i = 0; i < d.count; i++) byClass[d.labels[i]!]!.push(i);
  const train: number[] = [];
  const test: number[] = [];
  for (const rows of byClass) {
    const order = Int32Array.from(rows);
    rng.shuffle(order);
    const nTest = rows.length >= 2 ? Math.max(1, Math.round(rows.length * fraction)) : 0;
    order.forEach((r, k) => (k < nTest ? test : train).push(r));
  }
  const sort = (a: number[]) => a.sort((x, y) => x - y);
  return { train: selectImages(d, sort(train), `${d.name}/train`), test: selectImages(d, sort(test), `${d.name}/held-out`) };
}

/** A seeded random subset of at most n images (the kNN monitor's reference or query set). */
export function randomSubset(d: Dataset, n: number, seed: number): Dataset {
  if (n >= d.count) return d;
  const order = new Int32Array(d.count);
  for (let i = 0; i < d.count; i++) order[i] = i;
  new Rng(seed).fork('knn_subset').fork(d.name).shuffle(order);
  return selectImages(d, order.subarray(0, n).sort(), `${d.name}[${n}]`);
}

/** A dataset as one byte block and a JSON header, to keep a decoded folder in OPFS for resuming. */
export function datasetToBytes(d: Dataset): { header: string; bytes: Uint8Array } {
  // Labels first, so the Int32 view sits at offset 0 whatever the image size.
  const bytes = new Uint8Array(4 * d.count + d.images.length);
  new Int32Array(bytes.buffer, 0, d.count).set(d.labels);
  bytes.set(d.images, 4 * d.count);
  const header = JSON.stringify({ name: d.name, count: d.count, channels: d.channels, height: d.height, width: d.width, classes: d.classes });
  return { header, bytes };
}

/** The inverse of datasetToBytes. */
export function datasetFromBytes(header: string, bytes: Uint8Array): Dataset {
  const h = JSON.parse(header) as { name: string; count: number; channels: number; height: number; width: number; classes: string[] };
  const n = h.count * h.channels * h.height * h.width;
  if (bytes.length !== n + 4 * h.count) throw new DataSourceError(`saved dataset "${h.name}" is ${bytes.length} bytes, expected ${n + 4 * h.count}; discard the saved run`);
  const copy = bytes.slice();
  const d: Dataset = { ...h, labels: new Int32Array(copy.buffer, 0, h.count), images: copy.subarray(4 * h.count) };
  checkDataset(d);
  return d;
}
