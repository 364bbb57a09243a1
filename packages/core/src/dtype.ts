/** Element types a graph value may have. Public. */
export type DType = 'float32' | 'int32';

/** Host-side storage for a tensor's elements; the reference backend keeps float32 values as Float64Array. */
export type TypedData = Float32Array | Float64Array | Int32Array;

/** Bytes one element of `dtype` occupies on a device. */
export function bytesPerElement(dtype: DType): number {
  return dtype === 'float32' || dtype === 'int32' ? 4 : 4;
}
