/** Spec of cast.wgsl: element type conversion between float32 and int32 (float to int truncates toward zero). */
import { type KernelBinding, type KernelSource, type KernelSpec, KernelShapeError, ceilDiv, dispatch1d, u32Fields } from './kernel.js';
import { fillTemplate } from './template.js';
import { WGSL } from './wgsl.gen.js';

/** WGSL element types cast.wgsl converts between. */
export type CastType = 'f32' | 'i32';

/** Template parameters of cast.wgsl beyond the two types. */
export interface CastParams {
  readonly workgroupSize: number;
}

const BINDINGS: KernelBinding[] = [
  { binding: 0, name: 'params', kind: 'uniform' },
  { binding: 1, name: 'x', kind: 'read-only-storage' },
  { binding: 2, name: 'out', kind: 'storage' },
];

export const castSpec: KernelSpec<CastParams> = { name: 'cast', ops: ['cast'], defaults: { workgroupSize: 256 }, bindings: BINDINGS };

/** cast of `count` elements from `src` to `dst`; same-type casts are buffer copies and rejected here. */
export function castKernel(count: number, src: CastType, dst: CastType, params: Partial<CastParams> = {}): KernelSource {
  const wg = params.workgroupSize ?? 256;
  if (!Number.isInteger(count) || count < 1) throw new KernelShapeError(`cast needs a positive element count, got ${count}`);
  if (src === dst) throw new KernelShapeError(`cast from ${src} to ${dst} is a copy; record a buffer copy instead`);
  return {
    label: `cast_${src}_${dst}`,
    code: fillTemplate(WGSL.cast, { SRC_TYPE: src, DST_TYPE: dst, WG_SIZE: wg }, 'cast.wgsl'),
    entryPoint: 'main',
    workgroupSize: [wg, 1, 1],
    dispatch: dispatch1d(ceilDiv(count, wg)),
    bindings: BINDINGS,
    uniforms: u32Fields({ count }),
  };
}
