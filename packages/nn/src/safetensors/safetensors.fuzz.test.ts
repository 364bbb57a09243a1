/**
 * Property-based fuzzing (fast-check) of the safetensors reader: any bytes, any JSON header, damaged valid
 * files; the reader returns tensors that fit their shapes or throws SafetensorsError, and any tensor map
 * (names such as "__proto__" included) survives a write and a read unchanged.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SafetensorsError, decodeSafetensors, encodeSafetensors, type SafeTensor } from './index.js';

function withHeader(header: string, data: Uint8Array): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function readOrRefuse(bytes: Uint8Array): void {
  try {
    const r = decodeSafetensors(bytes, 'fuzz');
    for (const t of Object.values(r.tensors)) expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw e;
  }
}

const name = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '__metadata__'));
const tensor: fc.Arbitrary<SafeTensor> = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }).chain((shape) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.float32Array({ minLength: n, maxLength: n, noNaN: true }).map((data) => ({ dtype: 'F32' as const, shape, data }));
});

describe('fuzz: safetensors', () => {
  it('any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 96 }), readOrRefuse), { numRuns: 2000 });
  });

  it('any JSON value or text as the header', () => {
    fc.assert(fc.property(fc.oneof(fc.json({ maxDepth: 6 }), fc.string({ maxLength: 40 })), fc.uint8Array({ maxLength: 16 }), (header, data) => readOrRefuse(withHeader(header, data))), { numRuns: 1500 });
  });

  it('valid files with bytes overwritten or cut', () => {
    const files = fc.dictionary(name.filter((n) => n !== '__metadata__'), tensor, { maxKeys: 4 }).map((t) => encodeSafetensors(t));
    fc.assert(fc.property(files, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), (bytes, flips, cut) => {
      const b = Uint8Array.from(bytes);
      for (const [at, v] of flips) b[at % b.length] = v;
      readOrRefuse(b);
      readOrRefuse(b.subarray(0, cut % (b.length + 1)));
    }), { numRuns: 800 });
  });

  it('round-trips any tensor map, whatever the names', () => {
    fc.assert(fc.property(fc.dictionary(name.filter((n) => n !== '__metadata__'), tensor, { maxKeys: 5 }), (tensors) => {
      const back = decodeSafetensors(encodeSafetensors(tensors), 'rt').tensors;
      expect(Object.keys(back)).toEqual(Object.keys(tensors));
      for (const k of Object.keys(tensors)) {
        const a = Object.getOwnPropertyDescriptor(tensors, k)!.value as SafeTensor;
        const b = Object.getOwnPropertyDescriptor(back, k)!.value as SafeTensor;
        expect(b.shape).toEqual(a.shape);
        expect(Array.from(b.data as Float32Array)).toEqual(Array.from(a.data as Float32Array));
      }
    }), { numRuns: 500 });
  });
});
