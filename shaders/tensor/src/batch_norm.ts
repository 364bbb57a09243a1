/**
 * Specs of batch_norm.wgsl and batch_norm_backward.wgsl: training-mode batch normalisation over
 * NCHW (statistics per channel over n*h*w), one workgroup per channel. Inference mode is a pointwise
 * scale and shift the graph expresses with ordinary ops.
 */
import { type KernelBinding, type KernelSource, type KernelSpec, KernelShapeError, u32Fields } from './kernel.js';
import { fillTemplate } from './template.js';
import { WGSL } from './wgsl.gen.js';

/** x viewed as [n, c, hw] (hw = h*w, 1 for [n, c] inputs). */
export interface BatchNormShape {
  readonly n: number;
  readonly c: number;
  readonly hw: number;
}

/** Template parameters of both batch norm kernels. */
export interface BatchNormParams {
  readonly workgroupSize: number;
}

const FORWARD_BINDINGS: KernelBinding[] = [
  { binding: 0, name: 'params', kind: 'uniform' },
  { binding: 1, name: 'x', kind: 'read-only-storage' },
  { binding: 2, name: 'gamma', kind: 'read-only-storage' },
  { binding: 3, name: 'beta', kind: 'read-only-storage' },
  { binding: 4, name: 'y', kind: 'storage' },
  { binding: 5, name: 'mean', kind: 'storage' },
  { binding: 6, name: 'invstd', kind: 'storage' },
];

const BACKWARD_BINDINGS: KernelBinding[] = [
  { binding: 0, name: 'params', kind: 'uniform' },
  { binding: 1, name: 'x', kind: 'read-only-storage' },
  { binding: 2, name: 'dy', kind: 'read-only-storage' },
  { binding: 3, name: 'gamma', kind: 'read-only-storage' },
  { binding: 4, name: 'mean', kind: 'read-only-storage' },
  { binding: 5, name: 'invstd', kind: 'read-only-storage' },
  { binding: 6, name: 'dx', kind: 'storage' },
  { binding: 7, name: 'dgamma', kind: 'storage' },
  { binding: 8, name: 'dbeta', kind: 'storage' },
];

export const batchNormSpec: KernelSpec<BatchNormParams> = { name: 'batch_norm', ops: ['batch_norm'], defaults: { workgroupSize: 256 }, bindings: FORWARD_BINDINGS };
export const batchNormBackwardSpec: KernelSpec<BatchNormParams> = { name: 'batch_norm_backward', ops: ['batch_norm_backward'], defaults: { workgroupSize: 256 }, bindings: BACKWARD_BINDINGS };

function check(s: BatchNormShape, wg: number): void {
  if (![s.n, s.c, s.hw].every((v) => Number.isInteger(v) && v >= 1)) throw new KernelShapeError(`batch_norm sizes must be positive integers: ${JSON.stringify(s)}`);
  if (s.c > 65535) throw new KernelShapeError(`batch_norm dispatches one workgroup per channel; ${s.c} channels exceed 65535`);
  if (wg & (wg - 1)) throw new KernelShapeError(`batch_norm workgroup size ${wg} must be a power of two`);
}

/** Forward: y, and per-channel mean and invstd = 1/sqrt(biased var + eps). */
export function batchNormKernel(shape: BatchNormShape, eps = 1e-5, params: Partial<BatchNormParams> = {}): KernelSource {
  const wg = params.workgroupSize ?? 256;
  check(shape, wg);
  return {
    label: 'batch_norm',
    code: fillTemplate(WGSL.batch_norm, { WG_SIZE: wg }, 'batch_norm.wgsl'),
    entryPoint: 'main',
    workgroupSize: [wg, 1, 1],
    dispatch: [shape.c, 1, 1],
    bindings: FORWARD_BINDINGS,
    uniforms: [...u32Fields({ n: shape.n, c: shape.c, hw: shape.hw }), { name: 'eps', type: 'f32', value: eps }],
  };
}

/** Backward: dx, dgamma, dbeta from x, dy, gamma and the forward's mean and invstd. */
export function batchNormBackwardKernel(shape: BatchNormShape, params: Partial<BatchNormParams> = {}): KernelSource {
  const wg = params.workgroupSize ?? 256;
  check(shape, wg);
  return {
    label: 'batch_norm_backward',
    code: fillTemplate(WGSL.batch_norm_backward, { WG_SIZE: wg }, 'batch_norm_backward.wgsl'),
    entryPoint: 'main',
    workgroupSize: [wg, 1, 1],
    dispatch: [shape.c, 1, 1],
    bindings: BACKWARD_BINDINGS,
    uniforms: u32Fields({ n: shape.n, c: shape.c, hw: shape.hw }),
  };
}
