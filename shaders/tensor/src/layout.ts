/**
 * Spec of layout.wgsl, the strided copy behind every layout op, and the shape arithmetic that turns
 * transpose, broadcast_to, slice, pad and concat into such copies. Copies raw 32-bit elements, so it
 * serves float32 and int32 alike. Reshapes need no kernel: they are views of their input's buffer.
 */
import { type KernelBinding, type KernelSource, type KernelSpec, KernelShapeError, ceilDiv, dispatch1d } from './kernel.js';
import { MAX_RANK, broadcastStrides, contiguousStrides } from './strides.js';
import { fillTemplate } from './template.js';
import { WGSL } from './wgsl.gen.js';

/** One strided copy: iterate `shape`, read src at srcOffset + c·srcStrides, write dst at dstOffset + c·dstStrides. */
export interface StridedCopy {
  readonly shape: readonly number[];
  readonly srcStrides: readonly number[];
  /** Default: contiguous over `shape`. */
  readonly dstStrides?: readonly number[];
  readonly srcOffset?: number;
  readonly dstOffset?: number;
  /** Zero padding: the source coordinate is c - lo, and elements outside [0, srcDims) read as 0. */
  readonly pad?: { readonly lo: readonly number[]; readonly srcDims: readonly number[] };
}

/** Template parameters of layout.wgsl beyond PAD. */
export interface LayoutParams {
  readonly workgroupSize: number;
}

const BINDINGS: KernelBinding[] = [
  { binding: 0, name: 'params', kind: 'uniform' },
  { binding: 1, name: 'src', kind: 'read-only-storage' },
  { binding: 2, name: 'dst', kind: 'storage' },
];

export const layoutSpec: KernelSpec<LayoutParams> = {
  name: 'layout', ops: ['transpose', 'broadcast_to', 'slice', 'pad', 'concat'], defaults: { workgroupSize: 256 }, bindings: BINDINGS,
};

/** The launch of one strided copy. */
export function layoutKernel(copy: StridedCopy, params: Partial<LayoutParams> = {}): KernelSource {
  const wg = params.workgroupSize ?? 256;
  const rank = copy.shape.length;
  if (rank > MAX_RANK) throw new KernelShapeError(`layout copy rank ${rank} exceeds ${MAX_RANK}`);
  const dst = copy.dstStrides ?? contiguousStrides(copy.shape);
  const lists = [copy.srcStrides, dst, ...(copy.pad ? [copy.pad.lo, copy.pad.srcDims] : [])];
  if (lists.some((l) => l.length !== rank)) throw new KernelShapeError(`layout copy needs one stride (and pad entry) per axis (${rank})`);
  if ([...copy.shape, ...copy.srcStrides, ...dst, copy.srcOffset ?? 0, copy.dstOffset ?? 0].some((v) => !Number.isInteger(v) || v < 0)) {
    throw new KernelShapeError('layout copy sizes, strides and offsets must be non-negative integers');
  }
  const count = copy.shape.reduce((a, b) => a * b, 1);
  const pad = !!copy.pad;
  return {
    label: pad ? 'layout_pad' : 'layout_copy',
    code: fillTemplate(WGSL.layout, { PAD: pad, WG_SIZE: wg }, 'layout.wgsl'),
    entryPoint: 'main',
    workgroupSize: [wg, 1, 1],
    dispatch: dispatch1d(ceilDiv(count, wg)),
    bindings: BINDINGS,
    uniforms: [
      { name: 'count', type: 'u32', value: count },
      { name: 'rank', type: 'u32', value: rank },
      { name: 'src_offset', type: 'u32', value: copy.srcOffset ?? 0 },
      { name: 'dst_offset', type: 'u32', value: copy.dstOffset ?? 0 },
      { name: 'shape', type: 'vec4u_x2', value: [...copy.shape] },
      { name: 'src_stride', type: 'vec4u_x2', value: [...copy.srcStrides] },
      { name: 'dst_stride', type: 'vec4u_x2', value: [...dst] },
      { name: 'lo', type: 'vec4u_x2', value: copy.pad ? [...copy.pad.lo] : [] },
      { name: 'src_dim', type: 'vec4u_x2', value: copy.pad ? [...copy.pad.srcDims] : [] },
    ],
  };
}

/** y = transpose(x, perm). */
export function transposeCopy(xShape: readonly number[], perm: readonly number[]): StridedCopy {
  const xs = contiguousStrides(xShape);
  return { shape: perm.map((p) => xShape[p]!), srcStrides: perm.map((p) => xs[p]!) };
}

/** y = broadcast_to(x, out) (numpy rules). */
export function broadcastCopy(xShape: readonly number[], out: readonly number[]): StridedCopy {
  return { shape: [...out], srcStrides: broadcastStrides(xShape, out) };
}

/** y = x[begin : begin + size] per axis. */
export function sliceCopy(xShape: readonly number[], begin: readonly number[], sizes: readonly number[]): StridedCopy {
  const xs = contiguousStrides(xShape);
  return { shape: [...sizes], srcStrides: xs, srcOffset: begin.reduce((acc, b, d) => acc + b * xs[d]!, 0) };
}

/** y = x zero-padded by `before` and `after` per axis. */
export function padCopy(xShape: readonly number[], before: readonly number[], after: readonly number[]): StridedCopy {
  return { shape: xShape.map((d, i) => d + before[i]! + after[i]!), srcStrides: contiguousStrides(xShape), pad: { lo: [...before], srcDims: [...xShape] } };
}

/** The copies that write each input of a concat along `axis` into its place in the output. */
export function concatCopies(shapes: readonly (readonly number[])[], axis: number): StridedCopy[] {
  const out = [...shapes[0]!];
  out[axis] = shapes.reduce((acc, s) => acc + s[axis]!, 0);
  const os = contiguousStrides(out);
  let offset = 0;
  return shapes.map((s) => {
    const copy: StridedCopy = { shape: [...s], srcStrides: contiguousStrides(s), dstStrides: os, dstOffset: offset * os[axis]! };
    offset += s[axis]!;
    return copy;
  });
}
