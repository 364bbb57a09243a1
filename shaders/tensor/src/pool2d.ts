/** Spec of pool2d.wgsl (max / average pooling forward) and the pooling geometry shared with the backward. */
import { type KernelBinding, type KernelSource, type KernelSpec, KernelShapeError, ceilDiv, dispatch1d, u32Fields, type UniformField } from './kernel.js';
import { fillTemplate } from './template.js';
import { WGSL } from './wgsl.gen.js';

export type PoolMode = 'max' | 'avg';

/** x [n, c, h, w] pooled over kernel windows; stride defaults to the kernel, padding to 0. */
export interface PoolShape {
  readonly x: readonly [number, number, number, number];
  readonly kernel: number | readonly [number, number];
  readonly stride?: number | readonly [number, number];
  readonly padding?: number | readonly [number, number];
}

export interface PoolGeometry {
  readonly n: number; readonly c: number; readonly h: number; readonly w: number;
  readonly kh: number; readonly kw: number; readonly sh: number; readonly sw: number; readonly ph: number; readonly pw: number;
  readonly oh: number; readonly ow: number;
}

function pair(v: number | readonly [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Resolves a PoolShape; padding must be at most half the kernel (PyTorch's rule). */
export function poolGeometry(s: PoolShape): PoolGeometry {
  const [n, c, h, w] = s.x;
  const [kh, kw] = pair(s.kernel);
  const [sh, sw] = pair(s.stride ?? s.kernel);
  const [ph, pw] = pair(s.padding ?? 0);
  if ([n, c, h, w, kh, kw, sh, sw].some((v) => !Number.isInteger(v) || v < 1) || ph < 0 || pw < 0) throw new KernelShapeError(`pool2d sizes must be positive integers: ${JSON.stringify(s)}`);
  if (2 * ph > kh || 2 * pw > kw) throw new KernelShapeError(`pool2d padding ${ph},${pw} must be at most half the kernel ${kh}x${kw}`);
  const oh = Math.floor((h + 2 * ph - kh) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - kw) / sw) + 1;
  if (oh < 1 || ow < 1) throw new KernelShapeError(`pool2d window ${kh}x${kw} does not fit ${h}x${w}`);
  return { n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow };
}

export function poolUniforms(g: PoolGeometry, count: number): UniformField[] {
  return u32Fields({ count, h: g.h, w: g.w, oh: g.oh, ow: g.ow, kh: g.kh, kw: g.kw, stride_h: g.sh, stride_w: g.sw, pad_h: g.ph, pad_w: g.pw });
}

/** Template parameters of pool2d.wgsl and pool2d_backward.wgsl. */
export interface PoolParams {
  readonly workgroupSize: number;
}

const BINDINGS: KernelBinding[] = [
  { binding: 0, name: 'params', kind: 'uniform' },
  { binding: 1, name: 'x', kind: 'read-only-storage' },
  { binding: 2, name: 'y', kind: 'storage' },
];

export const pool2dSpec: KernelSpec<PoolParams> = { name: 'pool2d', ops: ['max_pool2d', 'avg_pool2d'], defaults: { workgroupSize: 256 }, bindings: BINDINGS };

/** The pooling forward launch: y [n, c, oh, ow]. */
export function pool2dKernel(mode: PoolMode, shape: PoolShape, params: Partial<PoolParams> = {}): KernelSource {
  const wg = params.workgroupSize ?? 256;
  const g = poolGeometry(shape);
  const count = g.n * g.c * g.oh * g.ow;
  return {
    label: `${mode}_pool2d`,
    code: fillTemplate(WGSL.pool2d, { MAX: mode === 'max', WG_SIZE: wg }, 'pool2d.wgsl'),
    entryPoint: 'main',
    workgroupSize: [wg, 1, 1],
    dispatch: dispatch1d(ceilDiv(count, wg)),
    bindings: BINDINGS,
    uniforms: poolUniforms(g, count),
  };
}
