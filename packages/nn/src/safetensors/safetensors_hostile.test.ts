/** Hostile headers: names that are special to JavaScript objects, and nesting meant to exhaust the heap. */
import { describe, expect, it } from 'vitest';
import { MAX_HEADER_DEPTH, SafetensorsError, decodeSafetensors, encodeSafetensors } from './index.js';

function file(header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('safetensors: hostile names and headers', () => {
  it('keeps a tensor named "__proto__" (and "constructor") as an own key, reading and writing', () => {
    const bytes = file('{"__proto__":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"constructor":{"dtype":"U8","shape":[1],"data_offsets":[2,3]},"__metadata__":{"__proto__":"m"}}', Uint8Array.of(7, 8, 9));
    const r = decodeSafetensors(bytes, 'proto.safetensors');
    expect(Object.keys(r.tensors)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(r.tensors)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(r.tensors, '__proto__')!.value.data).toEqual(Uint8Array.of(7, 8));
    expect(Object.getOwnPropertyDescriptor(r.metadata, '__proto__')!.value).toBe('m');
    const again = decodeSafetensors(encodeSafetensors(r.tensors, r.metadata), 'again');
    expect(Object.keys(again.tensors)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(again.tensors, '__proto__')!.value.data).toEqual(Uint8Array.of(7, 8));
  });

  it('refuses brackets nested past the limit quickly and without the memory JSON.parse would take', () => {
    const depth = 5_000_000;
    const header = `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    expect(() => decodeSafetensors(file(header), 'deep.safetensors')).toThrow(SafetensorsError);
    expect(() => decodeSafetensors(file(header), 'deep.safetensors')).toThrow(`deep.safetensors: header nests brackets deeper than ${MAX_HEADER_DEPTH} levels`);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
  });

  it('still reads brackets inside strings, at any count', () => {
    const name = '[[[[[[[[[[{{{{{{{{{{';
    const r = decodeSafetensors(file(`{"${name}":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"__metadata__":{"k":"\\"[[[[[[[[[["}}`, Uint8Array.of(1)), 's');
    expect(Object.keys(r.tensors)).toEqual([name]);
  });
});
