import { describe, expect, it } from 'vitest';
import { SafetensorsError, decodeSafetensors, encodeSafetensors, type SafeTensor } from './index.js';

/** Builds a file by hand: u64 LE header length, the header text as given, then raw data bytes. */
function handFile(header: string, data: number[], lengthOverride?: number): Uint8Array {
  const h = Array.from(header, (c) => c.charCodeAt(0)); // ASCII headers only in these tests
  const n = lengthOverride ?? h.length;
  const len = [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff, 0, 0, 0, 0];
  return new Uint8Array([...len, ...h, ...data]);
}

const entry = (dtype: string, shape: number[], begin: number, end: number): string =>
  `{"dtype":"${dtype}","shape":[${shape.join(',')}],"data_offsets":[${begin},${end}]}`;

describe('safetensors', () => {
  it('round-trips tensors of several dtypes, shapes and metadata, keeping insertion order', () => {
    const tensors: Record<string, SafeTensor> = {
      'conv.weight': { dtype: 'F32', shape: [2, 1, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-8, -0]) },
      'bn.num_batches_tracked': { dtype: 'I64', shape: [], data: BigInt64Array.from([123456789012345n]) },
      ids: { dtype: 'I32', shape: [3], data: Int32Array.from([-1, 0, 2147483647]) },
      mask: { dtype: 'U8', shape: [1], data: Uint8Array.from([255]) },
      empty: { dtype: 'F64', shape: [0, 4], data: new Float64Array(0) },
      pi: { dtype: 'F64', shape: [1], data: Float64Array.from([Math.PI]) },
      half: { dtype: 'F16', shape: [2], data: Uint16Array.from([0x3c00, 0xc000]) },
    };
    const bytes = encodeSafetensors(tensors, { format: 'pt', note: 'é ünïcode' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const back = decodeSafetensors(bytes, 'rt.safetensors');
    expect(Object.keys(back.tensors)).toEqual(Object.keys(tensors));
    expect(back.metadata).toEqual({ format: 'pt', note: 'é ünïcode' });
    for (const [name, t] of Object.entries(tensors)) {
      expect(back.tensors[name].dtype).toBe(t.dtype);
      expect(back.tensors[name].shape).toEqual(t.shape);
      expect(back.tensors[name].data).toEqual(t.data);
    }
    // Offsets are contiguous in insertion order.
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, { data_offsets: [number, number] }>;
    let end = 0;
    for (const name of Object.keys(tensors)) {
      expect(header[name].data_offsets[0]).toBe(end);
      end = header[name].data_offsets[1];
    }
    expect(end).toBe(bytes.length - 8 - headerLen);
  });

  it('reads a file written byte by byte from the published format', () => {
    // F32 [2] = [1.0, -2.5] (0x3f800000, 0xc0200000) then I32 scalar 7, all little-endian; header unpadded.
    const header = `{"__metadata__":{"format":"pt"},"w":${entry('F32', [2], 0, 8)},"b":${entry('I32', [], 8, 12)}}`;
    const file = handFile(header, [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0, 0x07, 0x00, 0x00, 0x00]);
    const { tensors, metadata } = decodeSafetensors(file, 'hand.safetensors');
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.w).toEqual({ dtype: 'F32', shape: [2], data: Float32Array.from([1, -2.5]) });
    expect(tensors.b).toEqual({ dtype: 'I32', shape: [], data: Int32Array.from([7]) });
    // Offsets need not follow header order, and trailing spaces in the header are allowed.
    const swapped = handFile(`{"b":${entry('I32', [], 8, 12)},"w":${entry('F32', [2], 0, 8)}}   `, [0, 0, 0x80, 0x3f, 0, 0, 0x20, 0xc0, 7, 0, 0, 0]);
    expect(decodeSafetensors(swapped).tensors.w.data).toEqual(Float32Array.from([1, -2.5]));
  });

  it('writes the header our hand-built file expects (length, JSON, space padding)', () => {
    const bytes = encodeSafetensors({ x: { dtype: 'U8', shape: [3], data: Uint8Array.from([1, 2, 3]) } });
    const json = `{"x":${entry('U8', [3], 0, 3)}}`; // 50 chars, padded to 56
    expect(Array.from(bytes.subarray(0, 8))).toEqual([56, 0, 0, 0, 0, 0, 0, 0]);
    expect(new TextDecoder().decode(bytes.subarray(8, 64))).toBe(json.padEnd(56, ' '));
    expect(Array.from(bytes.subarray(64))).toEqual([1, 2, 3]);
  });

  const four = [0, 0, 0x80, 0x3f];
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['truncated data', () => handFile(`{"w":${entry('F32', [2], 0, 8)}}`, four), /tensor "w".*end past the data section/],
    ['shorter than the length field', () => new Uint8Array([1, 0, 0]), /shorter than the 8-byte header length/],
    ['header length past end', () => handFile(`{"w":${entry('F32', [1], 0, 4)}}`, four, 500), /says 500 bytes but only/],
    ['bad offsets (span vs shape)', () => handFile(`{"w":${entry('F32', [2], 0, 4)}}`, four), /tensor "w".*needs 8 bytes but data_offsets \[0, 4\) span 4/],
    ['offsets end before begin', () => handFile(`{"w":${entry('F32', [0], 4, 0)}}`, four), /tensor "w".*end before they begin/],
    ['overlap', () => handFile(`{"a":${entry('F32', [1], 0, 4)},"b":${entry('U8', [2], 2, 4)}}`, four), /tensor "b".*overlap tensor "a"/],
    ['gap', () => handFile(`{"a":${entry('U8', [2], 2, 4)}}`, four), /tensor "a".*gap/],
    ['trailing bytes', () => handFile(`{"a":${entry('U8', [2], 0, 2)}}`, four), /unaccounted for/],
    ['unknown dtype', () => handFile(`{"w":${entry('F128', [1], 0, 4)}}`, four), /tensor "w": unknown dtype "F128"/],
    ['duplicate name', () => handFile(`{"w":${entry('U8', [2], 0, 2)},"w":${entry('U8', [2], 2, 4)}}`, four), /tensor name "w" occurs twice/],
    ['duplicate field', () => handFile(`{"w":{"dtype":"U8","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, four), /key "dtype" in "w" occurs twice/],
    ['invalid JSON', () => handFile(`{"w":`, four), /not valid JSON/],
    ['non-string metadata', () => handFile(`{"__metadata__":{"epoch":3},"w":${entry('F32', [1], 0, 4)}}`, four), /"__metadata__" field "epoch"/],
  ];
  for (const [what, make, message] of cases) {
    it(`refuses ${what} with a message naming the file`, () => {
      const bytes = make();
      expect(() => decodeSafetensors(bytes, 'bad.safetensors')).toThrow(SafetensorsError);
      expect(() => decodeSafetensors(bytes, 'bad.safetensors')).toThrow(/^bad\.safetensors: /);
      expect(() => decodeSafetensors(bytes, 'bad.safetensors')).toThrow(message);
    });
  }

  it('refuses to write inconsistent tensors', () => {
    expect(() => encodeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(/tensor "w".*3 elements/);
    expect(() => encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float64Array(2) as unknown as Float32Array } })).toThrow(/pass a Float32Array/);
    expect(() => encodeSafetensors({ __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } })).toThrow(/reserves/);
  });
});
