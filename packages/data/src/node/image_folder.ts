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

/** Limits on an image before it is decoded, against decompression bombs in untrusted input. */
export interface DecodeLimits {
  /** Most pixels (width x height) an image may have; larger ones are refused before decoding. */
  readonly maxPixels?: number;
}

/** The format of image bytes from their signature, or undefined for anything but PNG and JPEG. */
export function sniffImageFormat(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/**
 * Decodes PNG or JPEG bytes (told apart by their signature) to RGBA HWC. Throws CorruptDatasetError naming
 * `source` when the bytes are neither, are damaged, or (with `maxPixels`) describe a larger image.
 */
export function decodeImageBytes(bytes: Uint8Array, source: string, limits: DecodeLimits = {}): HwcImage {
  const format = sniffImageFormat(bytes);
  if (!format) throw new CorruptDatasetError(`${source}: not a PNG or JPEG image (its first bytes are ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ') || 'missing'})`);
  const max = limits.maxPixels ?? Infinity;
  try {
    if (format === 'png') {
      // IHDR is the first chunk: width and height are big-endian at bytes 16 and 20.
      if (bytes.length >= 24) {
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
        const pixels = view.getUint32(16) * view.getUint32(20);
        if (pixels > max) throw new CorruptDatasetError(`${source}: the PNG is ${view.getUint32(16)}x${view.getUint32(20)} pixels, more than the ${max} allowed`);
      }
      const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
      return { data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length), height: png.height, width: png.width, channels: 4 };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, ...(Number.isFinite(max) ? { maxResolutionInMP: max / 1e6 } : {}) });
    return { data: img.data, height: img.height, width: img.width, channels: 4 };
  } catch (e) {
    if (e instanceof CorruptDatasetError) throw e;
    throw new CorruptDatasetError(`${source}: cannot decode as ${format.toUpperCase()} (${(e as Error).message})`);
  }
}

/** Decodes a PNG or JPEG file to RGBA HWC; errors name the file. */
export function decodeImageFile(file: string): HwcImage {
  const bytes = new Uint8Array(readFileSync(file));
  if (!sniffImageFormat(bytes)) {
    const ext = path.extname(file).slice(1).toUpperCase() || 'an image';
    throw new CorruptDatasetError(`${file}: cannot decode as ${ext} (the file does not start with a PNG or JPEG signature); replace or remove the file`);
  }
  try {
    return decodeImageBytes(bytes, file);
  } catch (e) {
    throw new CorruptDatasetError(`${(e as Error).message}; replace or remove the file`);
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
