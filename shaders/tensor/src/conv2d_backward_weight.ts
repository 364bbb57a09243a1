/** Spec of conv2d_backward_weight.wgsl: dweight [o, c, kh, kw] from x and dy [n, o, oh, ow], implicit GEMM. */
import { type KernelBinding, type KernelSource, type KernelSpec } from './kernel.js';
import { DEFAULT_GEMM_TILING, type GemmTiling, gemmCode, gemmDispatch, gemmWorkgroupSize } from './gemm_tiled.js';
import { type ConvShape, convGeometry, convUniforms } from './conv2d.js';
import { WGSL } from './wgsl.gen.js';

/** Template parameters of conv2d_backward_weight.wgsl. */
export interface Conv2dBackwardWeightParams {
  readonly tiling: GemmTiling;
}

const BINDINGS: KernelBinding[] = [
  { binding: 0, name: 'params', kind: 'uniform' },
  { binding: 1, name: 'x', kind: 'read-only-storage' },
  { binding: 2, name: 'dy', kind: 'read-only-storage' },
  { binding: 3, name: 'dweight', kind: 'storage' },
];

export const conv2dBackwardWeightSpec: KernelSpec<Conv2dBackwardWeightParams> = {
  name: 'conv2d_backward_weight', ops: ['conv2d_backward_weight'], defaults: { tiling: DEFAULT_GEMM_TILING }, bindings: BINDINGS,
};

/** The dweight launch of the convolution `shape`. */
export function conv2dBackwardWeightKernel(shape: ConvShape, params: Partial<Conv2dBackwardWeightParams> = {}): KernelSource {
  const tiling = params.tiling ?? DEFAULT_GEMM_TILING;
  const g = convGeometry(shape);
  const [m, n, k] = [g.o, g.c * g.kh * g.kw, g.n * g.oh * g.ow];
  return {
    label: 'conv2d_backward_weight',
    // B (patches) is contiguous along the reduction index (output pixels), so threads walk k first.
    code: gemmCode(WGSL.conv2d_backward_weight, tiling, false, true),
    entryPoint: 'main',
    workgroupSize: gemmWorkgroupSize(tiling),
    dispatch: gemmDispatch(tiling, m, n),
    bindings: BINDINGS,
    uniforms: convUniforms(g, m, n, k),
  };
}
