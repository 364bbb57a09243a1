/** Index helpers shared by reference kernels (the oracle; clarity over speed). Internal. */
import { sizeOf, stridesOf, type Shape } from '../shape.js';
import type { RefArray } from './op_def.js';
import type { DType } from '../dtype.js';

/** Maps a flat output index to the flat index of an input broadcast to `outShape`. */
export function broadcastIndexer(inShape: Shape, outShape: Shape): (outIndex: number) => number {
  const rank = outShape.length;
  const inStrides = stridesOf(inShape);
  const eff = new Array<number>(rank).fill(0);
  for (let i = 0; i < inShape.length; i++) {
    const o = rank - inShape.length + i;
    eff[o] = inShape[i] === 1 ? 0 : inStrides[i]!;
  }
  const outStrides = stridesOf(outShape);
  return (idx: number) => {
    let off = 0;
    let rem = idx;
    for (let d = 0; d < rank; d++) {
      const q = Math.floor(rem / outStrides[d]!);
      rem -= q * outStrides[d]!;
      off += q * eff[d]!;
    }
    return off;
  };
}

export function allocRef(shape: Shape, dtype: DType): RefArray {
  return dtype === 'int32' ? new Int32Array(sizeOf(shape)) : new Float64Array(sizeOf(shape));
}
