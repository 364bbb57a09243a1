/**
 * Element strides of row-major tensors, written once for every spec that walks a tensor by coordinates
 * (layout copies, fused pointwise broadcasting): contiguous strides, and the strides that read a smaller
 * tensor broadcast to a larger shape (numpy rules). Kernels take them as `array<vec4<u32>, 2>` uniforms,
 * so ranks are at most MAX_RANK. Public.
 */
import { KernelShapeError } from './kernel.js';

/** Most axes a strided kernel (layout, fused_pointwise) handles: its uniforms hold 8 strides. */
export const MAX_RANK = 8;

/** Row-major element strides of `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Element strides of `shape` read broadcast to `out` (numpy rules: aligned right, size-1 axes stride 0). */
export function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  if (shape.length > out.length) throw new KernelShapeError(`shape [${shape}] has more axes than the output [${out}]`);
  const own = contiguousStrides(shape);
  const lead = out.length - shape.length;
  return out.map((d, i) => {
    if (i < lead) return 0;
    const size = shape[i - lead]!;
    if (size !== d && size !== 1) throw new KernelShapeError(`shape [${shape}] does not broadcast to [${out}]`);
    return size === 1 ? 0 : own[i - lead]!;
  });
}
