/**
 * Spec of moments.wgsl: the mean and biased variance per channel of a tensor viewed as
 * [outer, channels, inner] (the core `moments` op; its `momentsView` gives the view). One workgroup per
 * channel, two passes (mean, then centred squares).
 */
import { type KernelBinding, type KernelSource, type KernelSpec, KernelShapeError, dispatch1d, u32Fields } from './kernel.js';
import { fillTemplate } from './template.js';
import { WGSL } from './wgsl.gen.js';

/** x viewed as [outer, channels, inner]: statistics per channel over outer and inner. */
export interface MomentsShape {
  readonly outer: number;
  readonly channels: number;
  readonly inner: number;
}

/** Template parameters of moments.wgsl. */
export interface MomentsParams {
  /** Threads per channel (a power of two); default 256, or 64 when a channel has fewer than 1024 elements. */
  readonly workgroupSize?: number;
}

const BINDINGS: KernelBinding[] = [
  { binding: 0, name: 'params', kind: 'uniform' },
  { binding: 1, name: 'x', kind: 'read-only-storage' },
  { binding: 2, name: 'out', kind: 'storage' },
];

export const momentsSpec: KernelSpec<MomentsParams> = { name: 'moments', ops: ['moments'], defaults: {}, bindings: BINDINGS };

/** The moments launch: `out` gets the channels' means, then their variances (2 * channels elements). */
export function momentsKernel(shape: MomentsShape, params: MomentsParams = {}): KernelSource {
  const { outer, channels, inner } = shape;
  if (![outer, channels, inner].every((v) => Number.isInteger(v) && v >= 1)) throw new KernelShapeError(`moments view sizes must be positive integers: ${JSON.stringify(shape)}`);
  const wg = params.workgroupSize ?? (outer * inner >= 1024 ? 256 : 64);
  if (wg < 1 || wg > 256 || wg & (wg - 1)) throw new KernelShapeError(`moments workgroup size ${wg} must be a power of two up to 256`);
  return {
    label: 'moments',
    code: fillTemplate(WGSL.moments, { WG_SIZE: wg }, 'moments.wgsl'),
    entryPoint: 'main',
    workgroupSize: [wg, 1, 1],
    dispatch: dispatch1d(channels),
    bindings: BINDINGS,
    uniforms: u32Fields({ outer, channels, inner }),
  };
}
