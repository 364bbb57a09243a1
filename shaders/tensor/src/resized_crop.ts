/**
 * Spec of resized_crop.wgsl: per-sample crop-and-resize with optional horizontal flip (bilinear,
 * align_corners=False), the core's `resized_crop` augmentation op.
 */
import { type KernelBinding, type KernelSource, type KernelSpec, KernelShapeError, ceilDiv, dispatch1d, u32Fields } from './kernel.js';
import { fillTemplate } from './template.js';
import { WGSL } from './wgsl.gen.js';

/** Template parameters of resized_crop.wgsl. */
export interface ResizedCropParams {
  readonly workgroupSize: number;
}

const BINDINGS: KernelBinding[] = [
  { binding: 0, name: 'params', kind: 'uniform' },
  { binding: 1, name: 'x', kind: 'read-only-storage' },
  { binding: 2, name: 'boxes', kind: 'read-only-storage' },
  { binding: 3, name: 'y', kind: 'storage' },
];

export const resizedCropSpec: KernelSpec<ResizedCropParams> = { name: 'resized_crop', ops: ['resized_crop'], defaults: { workgroupSize: 256 }, bindings: BINDINGS };

/** resized_crop of x [n, c, h, w] with boxes [n, 5] (top, left, height, width, flip) to [n, c, size[0], size[1]]. */
export function resizedCropKernel(x: readonly number[], size: readonly number[], params: Partial<ResizedCropParams> = {}): KernelSource {
  const wg = params.workgroupSize ?? 256;
  const [n, c, h, w] = x as [number, number, number, number];
  const [oh, ow] = size as [number, number];
  if (x.length !== 4 || size.length !== 2 || [n, c, h, w, oh, ow].some((v) => !Number.isInteger(v) || v < 1)) {
    throw new KernelShapeError(`resized_crop needs x [n,c,h,w] and size [oh,ow] of positive integers, got [${x}] and [${size}]`);
  }
  const count = n * c * oh * ow;
  return {
    label: 'resized_crop',
    code: fillTemplate(WGSL.resized_crop, { WG_SIZE: wg }, 'resized_crop.wgsl'),
    entryPoint: 'main',
    workgroupSize: [wg, 1, 1],
    dispatch: dispatch1d(ceilDiv(count, wg)),
    bindings: BINDINGS,
    uniforms: u32Fields({ count, c, h, w, oh, ow }),
  };
}
