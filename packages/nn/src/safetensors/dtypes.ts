/**
 * The safetensors element types, their sizes and the typed array each is held in. Internal to safetensors/.
 * Types with no native JS array (F16, BF16, F8_*) are kept as raw bits in unsigned integer arrays;
 * converting them to numbers is deliberately left to the caller.
 */

/** Host array for each safetensors dtype. */
export interface SafetensorsArrays {
  BOOL: Uint8Array;
  U8: Uint8Array;
  I8: Int8Array;
  F8_E5M2: Uint8Array;
  F8_E4M3: Uint8Array;
  I16: Int16Array;
  U16: Uint16Array;
  F16: Uint16Array;
  BF16: Uint16Array;
  I32: Int32Array;
  U32: Uint32Array;
  F32: Float32Array;
  F64: Float64Array;
  I64: BigInt64Array;
  U64: BigUint64Array;
}

/** A dtype name as written in a safetensors header. */
export type SafetensorsDType = keyof SafetensorsArrays;

type ArrayCtor<A> = { new (length: number): A; readonly BYTES_PER_ELEMENT: number };

/** Constructor of the host array for each dtype; its BYTES_PER_ELEMENT is the dtype's size. */
export const DTYPE_ARRAYS: { readonly [D in SafetensorsDType]: ArrayCtor<SafetensorsArrays[D]> } = {
  BOOL: Uint8Array,
  U8: Uint8Array,
  I8: Int8Array,
  F8_E5M2: Uint8Array,
  F8_E4M3: Uint8Array,
  I16: Int16Array,
  U16: Uint16Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I32: Int32Array,
  U32: Uint32Array,
  F32: Float32Array,
  F64: Float64Array,
  I64: BigInt64Array,
  U64: BigUint64Array,
};

/** True when `name` is a dtype this reader knows. */
export function isSafetensorsDType(name: unknown): name is SafetensorsDType {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_ARRAYS, name);
}

/** One tensor: its dtype, shape and elements in row-major order. */
export type SafeTensor<D extends SafetensorsDType = SafetensorsDType> = {
  [K in D]: { dtype: K; shape: number[]; data: SafetensorsArrays[K] };
}[D];

/** Product of a shape's dimensions (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Safetensors is little-endian; typed arrays use the host's order, which this detects. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses each `size`-byte group of `bytes` in place (only needed on big-endian hosts). */
export function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}
