/**
 * Writes tensors to the safetensors format: an 8-byte little-endian u64 header length, a JSON
 * header padded with spaces to a multiple of 8 bytes, then the tensors' bytes back to back. Public.
 * Tensors keep the map's insertion order with contiguous offsets; no sorting, no compression.
 */
import { DTYPE_ARRAYS, HOST_IS_LITTLE_ENDIAN, elementCount, isSafetensorsDType, swapBytes, type SafeTensor } from './dtypes.js';
import { SafetensorsError } from './safetensors_error.js';

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Serialises `tensors` (and an optional string-to-string `metadata` map) to safetensors bytes. */
export function encodeSafetensors(tensors: Readonly<Record<string, SafeTensor>>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') {
        throw new SafetensorsError(`encodeSafetensors: metadata "${k}" is a ${typeof v}; the format allows only string values, so convert it with String() or JSON.stringify()`);
      }
    }
    header.__metadata__ = { ...metadata };
  }
  const names = Object.keys(tensors);
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') {
      throw new SafetensorsError('encodeSafetensors: a tensor is named "__metadata__", which the format reserves for the metadata map; rename the tensor');
    }
    const t = tensors[name];
    if (!isSafetensorsDType(t.dtype)) {
      throw new SafetensorsError(`encodeSafetensors: tensor "${name}" has unknown dtype ${JSON.stringify(t.dtype)}; use one of ${Object.keys(DTYPE_ARRAYS).join(', ')}`);
    }
    const ctor = DTYPE_ARRAYS[t.dtype];
    if (!(t.data instanceof ctor)) {
      throw new SafetensorsError(`encodeSafetensors: tensor "${name}" has dtype ${t.dtype} but its data is a ${t.data.constructor.name}; pass a ${ctor.name}`);
    }
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(`encodeSafetensors: tensor "${name}" has shape [${t.shape.join(', ')}]; dimensions must be non-negative integers`);
    }
    const n = elementCount(t.shape);
    if (t.data.length !== n) {
      throw new SafetensorsError(`encodeSafetensors: tensor "${name}" has shape [${t.shape.join(', ')}] (${n} elements) but ${t.data.length} data elements; fix the shape or the data`);
    }
    const end = offset + t.data.byteLength;
    // defineProperty, not assignment: a tensor named "__proto__" must become a header key, not a prototype.
    Object.defineProperty(header, name, { value: { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, end] }, enumerable: true, writable: true, configurable: true });
    offset = end;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen); // spaces: the JSON stays valid
  let pos = 8 + headerLen;
  for (const name of names) {
    const data = tensors[name].data;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    out.set(bytes, pos);
    if (!HOST_IS_LITTLE_ENDIAN) swapBytes(out.subarray(pos, pos + bytes.length), data.BYTES_PER_ELEMENT);
    pos += bytes.length;
  }
  return out;
}
