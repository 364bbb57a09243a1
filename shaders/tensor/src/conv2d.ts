/**
 * Spec of the conv2d forward kernel (conv2d.wgsl, implicit GEMM over gemm_tiled.wgsl) and what the three
 * conv kernels share: the convolution geometry, their uniforms and the WGSL that declares them
 * (conv2d_params.wgsl). NCHW activations, OIHW weights, no groups.
 */
import { type KernelBinding, type KernelSource, type KernelSpec, KernelShapeError, u32Fields, type UniformField, wgslUniformType } from './kernel.js';
import { GEMM_TILINGS, type GemmTiling, chooseGemmTiling, gemmCode, gemmDispatch, gemmWorkgroupSize } from './gemm_tiled.js';
import { fillTemplate } from './template.js';
import { WGSL } from './wgsl.gen.js';

/** Shapes and attributes of one convolution: x [n, c, h, w], weight [o, c, kh, kw]. */
export interface ConvShape {
  readonly x: readonly [number, number, number, number];
  readonly weight: readonly [number, number, number, number];
  /** [sh, sw] or one value for both (default 1). */
  readonly stride?: number | readonly [number, number];
  /** [ph, pw] or one value for both (default 0). */
  readonly padding?: number | readonly [number, number];
  /** [dh, dw] or one value for both (default 1). */
  readonly dilation?: number | readonly [number, number];
}

/** Every size the conv kernels need, output size included. */
export interface ConvGeometry {
  readonly n: number; readonly c: number; readonly h: number; readonly w: number;
  readonly o: number; readonly kh: number; readonly kw: number;
  readonly sh: number; readonly sw: number; readonly ph: number; readonly pw: number; readonly dh: number; readonly dw: number;
  readonly oh: number; readonly ow: number;
}

function pair(v: number | readonly [number, number] | undefined, dflt: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Resolves and checks a ConvShape; output size floor((h + 2p - d(k-1) - 1)/s) + 1 as in PyTorch. */
export function convGeometry(s: ConvShape): ConvGeometry {
  const [n, c, h, w] = s.x;
  const [o, cw, kh, kw] = s.weight;
  const [sh, sw] = pair(s.stride, 1);
  const [ph, pw] = pair(s.padding, 0);
  const [dh, dw] = pair(s.dilation, 1);
  const all = [n, c, h, w, o, cw, kh, kw, sh, sw, ph, pw, dh, dw];
  if (all.some((v) => !Number.isInteger(v) || v < 0) || [n, c, h, w, o, kh, kw, sh, sw, dh, dw].some((v) => v < 1)) {
    throw new KernelShapeError(`conv2d sizes must be positive integers (padding non-negative): x [${s.x}], weight [${s.weight}], stride ${sh},${sw}, padding ${ph},${pw}, dilation ${dh},${dw}`);
  }
  if (c !== cw) throw new KernelShapeError(`conv2d: x has ${c} channels but weight expects ${cw} (groups are not supported)`);
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  if (oh < 1 || ow < 1) throw new KernelShapeError(`conv2d: kernel ${kh}x${kw} does not fit input ${h}x${w} with padding ${ph},${pw}`);
  return { n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow };
}

/**
 * The uniform Params all three conv kernels share, for a GEMM of m x n with reduction k (k_split: the
 * reduction length of one split of a split-K launch; k when not split).
 */
export function convUniforms(g: ConvGeometry, m: number, n: number, k: number, kSplit = k): UniformField[] {
  return u32Fields({
    m, n, k, batch: g.n, c_in: g.c, h: g.h, w: g.w, c_out: g.o, oh: g.oh, ow: g.ow, kh: g.kh, kw: g.kw,
    stride_h: g.sh, stride_w: g.sw, pad_h: g.ph, pad_w: g.pw, dil_h: g.dh, dil_w: g.dw, k_split: kSplit,
  });
}

/**
 * A conv kernel's family text (its template filled) followed by the shared uniform declaration
 * (conv2d_params.wgsl) with `extra` fields after convUniforms's, so WGSL and uniforms cannot disagree.
 */
export function convSource(family: string, extra: readonly UniformField[] = []): string {
  const fields = extra.map((f) => `  ${f.name}: ${wgslUniformType(f.type)},`).join('\n');
  return `${family}\n${fillTemplate(WGSL.conv2d_params, { EXTRA_FIELDS: fields }, 'conv2d_params.wgsl')}`;
}

/** Template parameters of conv2d.wgsl. */
export interface Conv2dParams {
  /** GEMM tiling; default: chooseGemmTiling for m = c_out, n = batch*oh*ow. */
  readonly tiling?: GemmTiling;
}

const BINDINGS: KernelBinding[] = [
  { binding: 0, name: 'params', kind: 'uniform' },
  { binding: 1, name: 'x', kind: 'read-only-storage' },
  { binding: 2, name: 'weight', kind: 'read-only-storage' },
  { binding: 3, name: 'y', kind: 'storage' },
];

export const conv2dSpec: KernelSpec<Conv2dParams> = { name: 'conv2d', ops: ['conv2d'], defaults: {}, bindings: BINDINGS };

/** The conv2d forward launch: y [n, o, oh, ow] from x and weight. */
export function conv2dKernel(shape: ConvShape, params: Conv2dParams = {}): KernelSource {
  const g = convGeometry(shape);
  const [m, n, k] = [g.o, g.n * g.oh * g.ow, g.c * g.kh * g.kw];
  const tiling = params.tiling ?? GEMM_TILINGS[chooseGemmTiling(m, n)];
  return {
    label: 'conv2d',
    code: gemmCode(convSource(WGSL.conv2d), tiling, false, false),
    entryPoint: 'main',
    workgroupSize: gemmWorkgroupSize(tiling),
    dispatch: gemmDispatch(tiling, m, n),
    bindings: BINDINGS,
    uniforms: convUniforms(g, m, n, k),
  };
}
