/**
 * Property-based fuzzing (fast-check) of the byte readers: for any bytes, and for valid files with bytes
 * flipped, cut or appended, IDX and CIFAR readers either return data consistent with what they claim or throw
 * CorruptDatasetError; never another error, never a hang, never an allocation the input cannot back.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CorruptDatasetError } from './errors.js';
import { parseIdxImages, parseIdxLabels } from './idx.js';
import { readCifar10Batch, readCifar100Batch } from './cifar.js';

function idx(magic: number, dims: number[], body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, magic);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  out.set(body, 4 + 4 * dims.length);
  return out;
}

/** A valid file, then some bytes overwritten, the tail cut or bytes appended. */
function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(), fc.uint8Array({ maxLength: 8 }), fc.integer({ min: 0, max: 2 }))
    .map(([bytes, flips, cut, extra, how]) => {
      const b = Uint8Array.from(bytes);
      for (const [at, value] of flips) if (b.length > 0) b[at % b.length] = value;
      if (how === 1) return b.subarray(0, cut % (b.length + 1));
      if (how === 2) return Uint8Array.from([...b, ...extra]);
      return b;
    });
}

/** Runs `read`; any throw must be CorruptDatasetError. Returns the value or undefined. */
function readOrRefuse<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (!(e instanceof CorruptDatasetError)) throw e;
    expect(e.message.length).toBeGreaterThan(10);
    return undefined;
  }
}

const idxImages = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }))
  .map(([n, h, w]) => idx(0x803, [n, h, w], Uint8Array.from({ length: n * h * w }, (_, i) => i % 251)));
const idxLabels = fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 12 }).map((l) => idx(0x801, [l.length], Uint8Array.from(l)));

describe('fuzz: IDX', () => {
  it('images: any bytes, and damaged valid files', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated(idxImages)), (bytes) => {
      const r = readOrRefuse(() => parseIdxImages(bytes, 'fuzz-images'));
      if (r) expect(r.images.length).toBe(r.count * r.height * r.width);
    }), { numRuns: 1500 });
  });

  it('labels: any bytes, and damaged valid files', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 32 }), mutated(idxLabels)), (bytes) => {
      const r = readOrRefuse(() => parseIdxLabels(bytes, 'fuzz-labels'));
      if (r) for (const l of r.labels) expect(l >= 0 && l < 10).toBe(true);
    }), { numRuns: 1500 });
  });

  it('headers claiming huge dimensions are refused without allocating them', () => {
    fc.assert(fc.property(fc.tuple(fc.integer({ min: 1 << 20, max: 0xffffffff }), fc.integer({ min: 1, max: 0xffffffff }), fc.integer({ min: 1, max: 0xffffffff })), ([n, h, w]) => {
      expect(readOrRefuse(() => parseIdxImages(idx(0x803, [n, h, w], new Uint8Array(16)), 'huge'))).toBeUndefined();
    }), { numRuns: 300 });
  });
});

const cifar = (fields: number, classes: number) => fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: fields, maxLength: fields })
  .chain((labels) => fc.integer({ min: 0, max: 2 }).map((records) => {
    const out = new Uint8Array(records * (fields + 3072));
    for (let r = 0; r < records; r++) out.set(labels, r * (fields + 3072));
    return out;
  }));

describe('fuzz: CIFAR', () => {
  it('CIFAR-10 and CIFAR-100 batches: any bytes, and damaged valid files', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated(cifar(1, 10))), (bytes) => {
      const r = readOrRefuse(() => readCifar10Batch(bytes, 'fuzz-cifar10'));
      if (r) expect(r.images.length).toBe(r.count * 3072);
    }), { numRuns: 400 });
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated(cifar(2, 20))), (bytes) => {
      const r = readOrRefuse(() => readCifar100Batch(bytes, 'fuzz-cifar100'));
      if (r) expect(r.images.length).toBe(r.count * 3072);
    }), { numRuns: 400 });
  });
});
