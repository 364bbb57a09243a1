/**
 * Reader for the IDX format of MNIST, Fashion-MNIST and KMNIST (http://yann.lecun.com/exdb/mnist/):
 * big-endian header `0x00 0x00 dtype ndim`, then ndim u32 dimensions, then the elements. Public.
 * Only unsigned-byte data (dtype 0x08), 3-D images and 1-D labels; no writer (tools/ writes IDX).
 */
import { CorruptDatasetError } from './errors.js';
import { isGzip, maybeGunzip } from './gzip.js';

/** Magic of an IDX file of unsigned-byte images: 0x00 0x00 0x08 (ubyte) 0x03 (3 dims). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic of an IDX file of unsigned-byte labels: 0x00 0x00 0x08 (ubyte) 0x01 (1 dim). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** Images from an IDX file: `count * height * width` bytes, row-major, one channel. */
export interface IdxImages {
  readonly images: Uint8Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
}

/** Labels from an IDX file, one byte each. */
export interface IdxLabels {
  readonly labels: Uint8Array;
  readonly count: number;
}

const IDX_DTYPES: Record<number, string> = { 0x08: 'ubyte', 0x09: 'byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double' };

function parseIdx(bytes: Uint8Array, source: string, ndim: 1 | 3, kind: string): { dims: number[]; data: Uint8Array } {
  const redo = 're-download the file or check that the path names the right one';
  if (isGzip(bytes)) {
    throw new CorruptDatasetError(`${source}: bytes are still gzip-compressed; call the async readIdx${kind === 'images' ? 'Images' : 'Labels'}() or decompress first`);
  }
  const headerLen = 4 + 4 * ndim;
  const truncatedHeader = (): never => {
    throw new CorruptDatasetError(`${source}: file is ${bytes.length} bytes, truncated inside the ${headerLen}-byte IDX header (at offset ${bytes.length}); ${redo}`);
  };
  if (bytes.length < 4) truncatedHeader();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const expected = ndim === 3 ? IDX_IMAGES_MAGIC : IDX_LABELS_MAGIC;
  if (magic !== expected) {
    const hex = (m: number): string => `0x${m.toString(16).padStart(8, '0')}`;
    let why = '';
    if ((magic >>> 16) !== 0) why = ' (not an IDX file: the first two bytes must be zero)';
    else if (bytes[2] !== 0x08) why = ` (element type ${IDX_DTYPES[bytes[2]] ?? `0x${bytes[2].toString(16)}`}; only ubyte 0x08 is supported)`;
    else if (bytes[3] !== ndim) why = ` (${bytes[3]} dimensions; ${kind} have ${ndim}${bytes[3] === 4 - ndim ? `: is this the ${kind === 'images' ? 'labels' : 'images'} file?` : ''})`;
    throw new CorruptDatasetError(`${source}: byte offset 0: magic ${hex(magic)}, expected ${hex(expected)} for IDX ${kind}${why}; ${redo}`);
  }
  if (bytes.length < headerLen) truncatedHeader();
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    size *= d;
  }
  const need = headerLen + size;
  if (bytes.length < need) {
    throw new CorruptDatasetError(`${source}: truncated at byte offset ${bytes.length}: dimensions [${dims.join(', ')}] need ${need} bytes; ${redo}`);
  }
  if (bytes.length > need) {
    throw new CorruptDatasetError(`${source}: ${bytes.length - need} unexpected bytes after byte offset ${need}, the end of dimensions [${dims.join(', ')}]; ${redo}`);
  }
  return { dims, data: bytes.slice(headerLen, need) };
}

/** Parses uncompressed IDX image bytes (magic 0x00000803). `source` names the file in errors. */
export function parseIdxImages(bytes: Uint8Array, source = '<bytes>'): IdxImages {
  const { dims, data } = parseIdx(bytes, source, 3, 'images');
  return { images: data, count: dims[0], height: dims[1], width: dims[2] };
}

/**
 * Parses uncompressed IDX label bytes (magic 0x00000801) and checks every label is in
 * [0, numClasses) (default 10), naming the byte offset of the first that is not.
 */
export function parseIdxLabels(bytes: Uint8Array, source = '<bytes>', numClasses = 10): IdxLabels {
  const { dims, data } = parseIdx(bytes, source, 1, 'labels');
  for (let i = 0; i < data.length; i++) {
    if (data[i] >= numClasses) {
      throw new CorruptDatasetError(`${source}: byte offset ${8 + i}: label ${data[i]} of item ${i} is outside [0, ${numClasses}); the file is corrupt or belongs to another dataset (pass numClasses if it has more classes)`);
    }
  }
  return { labels: data, count: dims[0] };
}

/** Reads IDX images, gzipped (detected by 0x1f8b) or not. */
export async function readIdxImages(bytes: Uint8Array, source = '<bytes>'): Promise<IdxImages> {
  return parseIdxImages(await maybeGunzip(bytes, source), source);
}

/** Reads IDX labels, gzipped (detected by 0x1f8b) or not, checking the range [0, numClasses). */
export async function readIdxLabels(bytes: Uint8Array, source = '<bytes>', numClasses = 10): Promise<IdxLabels> {
  return parseIdxLabels(await maybeGunzip(bytes, source), source, numClasses);
}
