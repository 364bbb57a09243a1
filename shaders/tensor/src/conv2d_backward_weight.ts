/** Spec of conv2d_backward_weight.wgsl: dweight [o, c, kh, kw] from x and dy [n, o, oh, ow], implicit GEMM. */
import { type KernelBinding, type KernelSource, type KernelSpec } from './kernel.js';
import { GEMM_TILINGS, type GemmTiling, type SplitK, chooseGemmTiling, chooseSplitK, gemmCode, gemmDispatch, gemmWorkgroupSize } from './gemm_tiled.js';
import { type ConvShape, convGeometry, convSource, convUniforms } from './conv2d.js';
import { WGSL } from './wgsl.gen.js';

/** Template parameters of conv2d_backward_weight.wgsl. */
export interface Conv2dBackwardWeightParams {
  /** GEMM tiling; default: chooseGemmTiling for m = c_out, n = c_in*kh*kw. */
  readonly tiling?: GemmTiling;
  /** Number of reduction splits; default: chooseSplitK. */
  readonly splits?: number;
}

const BINDINGS: KernelBinding[] = [
  { binding: 0, name: 'params', kind: 'uniform' },
  { binding: 1, name: 'x', kind: 'read-only-storage' },
  { binding: 2, name: 'dy', kind: 'read-only-storage' },
  { binding: 3, name: 'dweight', kind: 'storage' },
];

export const conv2dBackwardWeightSpec: KernelSpec<Conv2dBackwardWeightParams> = {
  name: 'conv2d_backward_weight', ops: ['conv2d_backward_weight'], defaults: {}, bindings: BINDINGS,
};

/** A dweight launch and how its reduction is split: `dweight` holds `split.splits` partial sums to add. */
export interface Conv2dBackwardWeightLaunch {
  readonly kernel: KernelSource;
  readonly split: SplitK;
  /** Elements of one dweight (o*c*kh*kw); the kernel's dweight binding holds split.splits of them. */
  readonly weightSize: number;
}

/** The dweight launch of the convolution `shape`, split-K where the output alone is too small to fill a GPU. */
export function conv2dBackwardWeightKernel(shape: ConvShape, params: Conv2dBackwardWeightParams = {}): Conv2dBackwardWeightLaunch {
  const g = convGeometry(shape);
  const [m, n, k] = [g.o, g.c * g.kh * g.kw, g.n * g.oh * g.ow];
  const tiling = params.tiling ?? GEMM_TILINGS[chooseGemmTiling(m, n)];
  const split = chooseSplitK(tiling, m, n, k, params.splits);
  const kernel: KernelSource = {
    label: split.splits > 1 ? 'conv2d_backward_weight_splitk' : 'conv2d_backward_weight',
    // B (patches) is contiguous along the reduction index (output pixels), so threads walk k first.
    code: gemmCode(convSource(WGSL.conv2d_backward_weight), tiling, false, true, split.splits > 1),
    entryPoint: 'main',
    workgroupSize: gemmWorkgroupSize(tiling),
    dispatch: gemmDispatch(tiling, m, n, split.splits),
    bindings: BINDINGS,
    uniforms: convUniforms(g, m, n, k, split.kSplit),
  };
  return { kernel, split, weightSize: m * n };
}
