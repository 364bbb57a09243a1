/** Spec of conv2d_backward_data.wgsl: dx [n, c, h, w] from dy [n, o, oh, ow] and weight, implicit GEMM. */
import { ceilDiv, type KernelBinding, KernelShapeError, type KernelSource, type KernelSpec, u32Fields } from './kernel.js';
import { GEMM_TILINGS, type GemmTiling, chooseGemmTiling, gemmCode, gemmDispatch, gemmWorkgroupSize } from './gemm_tiled.js';
import { type ConvShape, convGeometry, convSource, convUniforms } from './conv2d.js';
import { fillTemplate } from './template.js';
import { WGSL } from './wgsl.gen.js';

/** Template parameters of conv2d_backward_data.wgsl. */
export interface Conv2dBackwardDataParams {
  /** GEMM tiling; default: chooseGemmTiling for m = c_in and the (per-phase) pixel count. */
  readonly tiling?: GemmTiling;
  /** One GEMM per stride phase (skips the taps that are always zero); default: when stride > 1 and dilation 1. */
  readonly phases?: boolean;
}

const BINDINGS: KernelBinding[] = [
  { binding: 0, name: 'params', kind: 'uniform' },
  { binding: 1, name: 'dy', kind: 'read-only-storage' },
  { binding: 2, name: 'weight', kind: 'read-only-storage' },
  { binding: 3, name: 'dx', kind: 'storage' },
];

export const conv2dBackwardDataSpec: KernelSpec<Conv2dBackwardDataParams> = {
  name: 'conv2d_backward_data', ops: ['conv2d_backward_data'], defaults: {}, bindings: BINDINGS,
};

/** The dx launch of the convolution `shape` (x is only used for its shape). */
export function conv2dBackwardDataKernel(shape: ConvShape, params: Conv2dBackwardDataParams = {}): KernelSource {
  const g = convGeometry(shape);
  const strided = g.sh > 1 || g.sw > 1;
  const phases = params.phases ?? (strided && g.dh === 1 && g.dw === 1);
  if (phases && (g.dh !== 1 || g.dw !== 1)) throw new KernelShapeError(`conv2d_backward_data: stride phases need dilation 1, got ${g.dh},${g.dw}`);
  // Per phase: at most ceil(h/s) x ceil(w/s) pixels and ceil(kh/s) x ceil(kw/s) taps.
  const [phaseH, phaseW, phaseKh, phaseKw] = phases ? [ceilDiv(g.h, g.sh), ceilDiv(g.w, g.sw), ceilDiv(g.kh, g.sh), ceilDiv(g.kw, g.sw)] : [g.h, g.w, g.kh, g.kw];
  const [m, n, k] = [g.c, g.n * phaseH * phaseW, g.o * phaseKh * phaseKw];
  const tiling = params.tiling ?? GEMM_TILINGS[chooseGemmTiling(m, n)];
  const phaseFields = u32Fields({ phase_kh: phaseKh, phase_kw: phaseKw, phase_h: phaseH, phase_w: phaseW });
  const family = fillTemplate(WGSL.conv2d_backward_data, { PHASES: phases, UNIT_STRIDE: !strided }, 'conv2d_backward_data.wgsl');
  return {
    label: phases ? 'conv2d_backward_data_phases' : 'conv2d_backward_data',
    code: gemmCode(convSource(family, phaseFields), tiling, false, false),
    entryPoint: 'main',
    workgroupSize: gemmWorkgroupSize(tiling),
    dispatch: gemmDispatch(tiling, m, n, phases ? g.sh * g.sw : 1),
    bindings: BINDINGS,
    uniforms: [...convUniforms(g, m, n, k), ...phaseFields],
  };
}
