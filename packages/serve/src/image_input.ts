/**
 * Request bodies to model input: PNG or JPEG images (converted to the model's channels and resized to its
 * input size, bilinear, as the image-folder reader does), raw float32 arrays, or JSON arrays of pixel values, all
 * as pixel values 0..255 in [C, H, W] order. Internal to the service. Every refusal is a BadInputError with the
 * HTTP status to answer and a message that says what was wrong and what is expected.
 */
import { DogoError } from '@dogo/core';
import { resizeHwc, toChannels, writeChw } from '@dogo/data';
import { decodeImageBytes } from '@dogo/data/node';

/** A request the service cannot turn into images; `statusCode` is the HTTP status to answer with (4xx). */
export class BadInputError extends DogoError {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

export interface InputLimits {
  /** Most images in one request. */
  maxImages: number;
  /** Most pixels of one PNG or JPEG before it is decoded (a decompression bomb is refused unread). */
  maxImagePixels: number;
}

/** Images of one request: `count` images of `shape` back to back. */
export interface RequestImages {
  pixels: Float32Array;
  count: number;
}

/** Media types a request may carry (the same list goes into 415 answers and the health endpoint). */
export const INPUT_TYPES = ['image/png', 'image/jpeg', 'application/octet-stream', 'application/json'] as const;

function describe(shape: readonly [number, number, number]): string {
  return `${shape[0]}x${shape[1]}x${shape[2]} (C x H x W)`;
}

function checkCount(count: number, limits: InputLimits): void {
  if (count === 0) throw new BadInputError(400, 'the request holds no image');
  if (count > limits.maxImages) throw new BadInputError(413, `the request holds ${count} images; at most ${limits.maxImages} per request: split it`);
}

/** One PNG or JPEG, converted to the model's channels (1: luma, 3: RGB) and size. */
export function imageFromBytes(bytes: Uint8Array, shape: readonly [number, number, number], limits: InputLimits): RequestImages {
  const [c, h, w] = shape;
  if (c !== 1 && c !== 3) throw new BadInputError(415, `this model takes ${c}-channel input; send raw arrays (application/octet-stream or JSON), not PNG or JPEG`);
  let img;
  try {
    img = decodeImageBytes(bytes, 'the posted image', { maxPixels: limits.maxImagePixels });
  } catch (e) {
    throw new BadInputError(400, `${(e as Error).message}; send one PNG or JPEG image`);
  }
  const sized = resizeHwc(toChannels(img, c), h, w, 'bilinear');
  const chw = new Uint8Array(c * h * w);
  writeChw(sized, chw, 0);
  return { pixels: Float32Array.from(chw), count: 1 };
}

/** Little-endian float32 values, one or more images of the model's shape back to back. */
export function imagesFromFloat32(bytes: Uint8Array, shape: readonly [number, number, number], limits: InputLimits): RequestImages {
  const size = shape[0] * shape[1] * shape[2];
  if (bytes.length % (4 * size) !== 0) {
    throw new BadInputError(400, `the body is ${bytes.length} bytes, not a whole number of float32 images of ${describe(shape)} (${4 * size} bytes each)`);
  }
  const count = bytes.length / (4 * size);
  checkCount(count, limits);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const pixels = new Float32Array(count * size);
  for (let i = 0; i < pixels.length; i++) pixels[i] = view.getFloat32(4 * i, true);
  checkFinite(pixels);
  return { pixels, count };
}

/** `{"pixels": [...]}` (one image) or `{"pixels": [[...], [...]]}` (several), values in C x H x W order. */
export function imagesFromJson(body: unknown, shape: readonly [number, number, number], limits: InputLimits): RequestImages {
  const size = shape[0] * shape[1] * shape[2];
  const want = `a JSON object {"pixels": [${size} numbers]} or {"pixels": [[${size} numbers], ...]}: images of ${describe(shape)}, values 0..255`;
  const p = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)['pixels'] : undefined;
  if (!Array.isArray(p)) throw new BadInputError(400, `expected ${want}`);
  const rows: unknown[] = p.length > 0 && Array.isArray(p[0]) ? p : [p];
  checkCount(rows.length, limits);
  const pixels = new Float32Array(rows.length * size);
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== size) {
      throw new BadInputError(400, `image ${i} has ${Array.isArray(row) ? row.length : 'no list of'} values; expected ${want}`);
    }
    row.forEach((v, j) => {
      if (typeof v !== 'number') throw new BadInputError(400, `image ${i}, value ${j} is ${JSON.stringify(v)}, not a number`);
      pixels[i * size + j] = v;
    });
  });
  checkFinite(pixels);
  return { pixels, count: rows.length };
}

function checkFinite(pixels: Float32Array): void {
  const bad = pixels.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new BadInputError(400, `value ${bad} is ${pixels[bad]}; pixel values must be finite (0..255)`);
}
