/**
 * Image-folder datasets (`root/<class>/*.png|jpg|jpeg`, classes sorted by name, as torchvision's
 * ImageFolder) decoded with pngjs and jpeg-js. Node only. Loads every image into memory at once;
 * no lazy loading, no other formats, no augmentation.
 */
/// <reference types="node" />
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pngjs from 'pngjs';
import jpeg from 'jpeg-js';
import type { Dataset } from '../dataset.js';
import { CorruptDatasetError, DatasetNotFoundError } from '../errors.js';
import { resizeHwc, toChannels, writeChw, type HwcImage, type ResizeMode } from '../image_ops.js';

/** Options of `loadImageFolder`. */
export interface ImageFolderOptions {
  /** 1 (grayscale) or 3 (RGB, the default). */
  readonly channels?: 1 | 3;
  /** Resize every image to this size; without it all images must share one size. */
  readonly size?: { readonly height: number; readonly width: number };
  /** Sampling used with `size` (default bilinear). */
  readonly resize?: ResizeMode;
  /** Dataset name (default the folder's base name). */
  readonly name?: string;
}

const EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** Decodes a PNG or JPEG file to RGBA HWC; errors name the file. */
export function decodeImageFile(file: string): HwcImage {
  const bytes = readFileSync(file);
  const ext = path.extname(file).toLowerCase();
  try {
    if (ext === '.png') {
      const png = pngjs.PNG.sync.read(bytes);
      return { data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length), height: png.height, width: png.width, channels: 4 };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
    return { data: img.data, height: img.height, width: img.width, channels: 4 };
  } catch (e) {
    throw new CorruptDatasetError(`${file}: cannot decode as ${ext.slice(1).toUpperCase()} (${(e as Error).message}); replace or remove the file`);
  }
}

/** Reads `root/<class>/<image>` into a uint8 NCHW Dataset; labels follow the sorted class names. */
export function loadImageFolder(root: string, options: ImageFolderOptions = {}): Dataset {
  const channels = options.channels ?? 3;
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    throw new DatasetNotFoundError(`${root}: image folder not found or unreadable; pass a directory laid out as <root>/<class>/<image>.png|jpg`);
  }
  const classes = entries.filter((e) => !e.startsWith('.') && statSync(path.join(root, e)).isDirectory()).sort();
  if (classes.length === 0) throw new DatasetNotFoundError(`${root}: no class subfolders; lay images out as <root>/<class>/<image>.png|jpg`);

  const files: { file: string; label: number }[] = [];
  classes.forEach((cls, label) => {
    const dir = path.join(root, cls);
    const images = readdirSync(dir)
      .filter((f) => !f.startsWith('.') && EXTENSIONS.has(path.extname(f).toLowerCase()))
      .sort();
    if (images.length === 0) throw new DatasetNotFoundError(`${dir}: class folder "${cls}" holds no .png, .jpg or .jpeg files; add images or remove the folder`);
    for (const f of images) files.push({ file: path.join(dir, f), label });
  });

  let height = options.size?.height ?? 0;
  let width = options.size?.width ?? 0;
  let first = '';
  let images = new Uint8Array(0);
  const labels = new Int32Array(files.length);
  files.forEach(({ file, label }, i) => {
    let img = decodeImageFile(file);
    if (i === 0) {
      first = file;
      if (options.size === undefined) {
        height = img.height;
        width = img.width;
      }
      images = new Uint8Array(files.length * channels * height * width);
    }
    if (options.size !== undefined) img = resizeHwc(img, height, width, options.resize ?? 'bilinear');
    else if (img.height !== height || img.width !== width) {
      throw new CorruptDatasetError(`${file}: image is ${img.width}x${img.height} but ${first} is ${width}x${height}; pass the size option to resize all images to one size`);
    }
    writeChw(toChannels(img, channels), images, i * channels * height * width);
    labels[i] = label;
  });
  return { name: options.name ?? path.basename(path.resolve(root)), images, labels, count: files.length, channels, height, width, classes };
}
