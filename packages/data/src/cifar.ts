/**
 * Readers for the CIFAR-10 and CIFAR-100 binary versions (https://www.cs.toronto.edu/~kriz/cifar.html).
 * Public. A CIFAR-10 record is 1 label byte + 3072 pixel bytes (32x32 red, then green, then blue
 * planes, i.e. already CHW); a CIFAR-100 record is a coarse and a fine label byte + 3072 pixels.
 * Works on the bytes of one batch file; does not untar the archive or read batches.meta.txt.
 */
import type { Dataset } from './dataset.js';
import { CorruptDatasetError } from './errors.js';
import { CIFAR100_COARSE_CLASSES, CIFAR100_FINE_CLASSES, CIFAR10_CLASSES } from './cifar_classes.js';

const PIXELS = 3 * 32 * 32;

/** One decoded batch file: CHW uint8 images and per-label-byte label arrays. */
export interface CifarBatch {
  readonly images: Uint8Array;
  readonly count: number;
  /** CIFAR-10: `label`; CIFAR-100: `coarse` and `fine`. */
  readonly labels: Readonly<Record<string, Uint8Array>>;
}

function readRecords(bytes: Uint8Array, source: string, labelFields: readonly { name: string; classes: number }[]): CifarBatch {
  const recordSize = labelFields.length + PIXELS;
  if (bytes.length === 0 || bytes.length % recordSize !== 0) {
    const whole = Math.floor(bytes.length / recordSize);
    throw new CorruptDatasetError(
      `${source}: ${bytes.length} bytes is not a whole number of ${recordSize}-byte records (${labelFields.length} label byte(s) + ${PIXELS} pixels); ` +
        `truncated or extra data at byte offset ${whole * recordSize}; re-download the batch, and check it is the ${labelFields.length === 1 ? 'CIFAR-10' : 'CIFAR-100'} binary version`,
    );
  }
  const count = bytes.length / recordSize;
  const images = new Uint8Array(count * PIXELS);
  const labels: Record<string, Uint8Array> = {};
  for (const f of labelFields) labels[f.name] = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const base = i * recordSize;
    labelFields.forEach((f, k) => {
      const v = bytes[base + k];
      if (v >= f.classes) {
        throw new CorruptDatasetError(`${source}: byte offset ${base + k}: ${f.name} label ${v} of record ${i} is outside [0, ${f.classes}); the file is corrupt or not a ${labelFields.length === 1 ? 'CIFAR-10' : 'CIFAR-100'} batch`);
      }
      labels[f.name][i] = v;
    });
    images.set(bytes.subarray(base + labelFields.length, base + recordSize), i * PIXELS);
  }
  return { images, count, labels };
}

/** Reads one CIFAR-10 binary batch (`data_batch_1.bin` ... `test_batch.bin`). */
export function readCifar10Batch(bytes: Uint8Array, source = '<bytes>'): CifarBatch {
  return readRecords(bytes, source, [{ name: 'label', classes: 10 }]);
}

/** Reads one CIFAR-100 binary batch (`train.bin` or `test.bin`), checking coarse < 20 and fine < 100. */
export function readCifar100Batch(bytes: Uint8Array, source = '<bytes>'): CifarBatch {
  return readRecords(bytes, source, [{ name: 'coarse', classes: 20 }, { name: 'fine', classes: 100 }]);
}

function concat(batches: readonly CifarBatch[], field: string, name: string, classes: readonly string[]): Dataset {
  const count = batches.reduce((n, b) => n + b.count, 0);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Int32Array(count);
  let at = 0;
  for (const b of batches) {
    images.set(b.images, at * PIXELS);
    labels.set(b.labels[field], at);
    at += b.count;
  }
  return { name, images, labels, count, channels: 3, height: 32, width: 32, classes };
}

/** Concatenates CIFAR-10 batches (e.g. the five training batches) into one Dataset. */
export function cifar10Dataset(batches: readonly CifarBatch[], name = 'cifar-10'): Dataset {
  return concat(batches, 'label', name, CIFAR10_CLASSES);
}

/** Concatenates CIFAR-100 batches into a Dataset labelled by the fine (100) or coarse (20) classes. */
export function cifar100Dataset(batches: readonly CifarBatch[], labels: 'fine' | 'coarse' = 'fine', name = 'cifar-100'): Dataset {
  return concat(batches, labels, name, labels === 'fine' ? CIFAR100_FINE_CLASSES : CIFAR100_COARSE_CLASSES);
}
