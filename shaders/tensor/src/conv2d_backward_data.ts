/** Spec of conv2d_backward_data.wgsl: dx [n, c, h, w] from dy [n, o, oh, ow] and weight, implicit GEMM. */
import { type KernelBinding, type KernelSource, type KernelSpec } from './kernel.js';
import { DEFAULT_GEMM_TILING, type GemmTiling, gemmCode, gemmDispatch, gemmWorkgroupSize } from './gemm_tiled.js';
import { type ConvShape, convGeometry, convUniforms } from './conv2d.js';
import { WGSL } from './wgsl.gen.js';

/** Template parameters of conv2d_backward_data.wgsl. */
export interface Conv2dBackwardDataParams {
  readonly tiling: GemmTiling;
}

const BINDINGS: KernelBinding[] = [
  { binding: 0, name: 'params', kind: 'uniform' },
  { binding: 1, name: 'dy', kind: 'read-only-storage' },
  { binding: 2, name: 'weight', kind: 'read-only-storage' },
  { binding: 3, name: 'dx', kind: 'storage' },
];

export const conv2dBackwardDataSpec: KernelSpec<Conv2dBackwardDataParams> = {
  name: 'conv2d_backward_data', ops: ['conv2d_backward_data'], defaults: { tiling: DEFAULT_GEMM_TILING }, bindings: BINDINGS,
};

/** The dx launch of the convolution `shape` (x is only used for its shape). */
export function conv2dBackwardDataKernel(shape: ConvShape, params: Partial<Conv2dBackwardDataParams> = {}): KernelSource {
  const tiling = params.tiling ?? DEFAULT_GEMM_TILING;
  const g = convGeometry(shape);
  const [m, n, k] = [g.c, g.n * g.h * g.w, g.o * g.kh * g.kw];
  return {
    label: 'conv2d_backward_data',
    code: gemmCode(WGSL.conv2d_backward_data, tiling, false, false),
    entryPoint: 'main',
    workgroupSize: gemmWorkgroupSize(tiling),
    dispatch: gemmDispatch(tiling, m, n),
    bindings: BINDINGS,
    uniforms: convUniforms(g, m, n, k),
  };
}
