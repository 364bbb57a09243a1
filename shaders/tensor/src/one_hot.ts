/** Spec of one_hot.wgsl: int32 labels [rows] to float32 one-hot rows [rows, depth]. */
import { type KernelBinding, type KernelSource, type KernelSpec, KernelShapeError, ceilDiv, dispatch1d, u32Fields } from './kernel.js';
import { fillTemplate } from './template.js';
import { WGSL } from './wgsl.gen.js';

/** Template parameters of one_hot.wgsl. */
export interface OneHotParams {
  readonly workgroupSize: number;
}

const BINDINGS: KernelBinding[] = [
  { binding: 0, name: 'params', kind: 'uniform' },
  { binding: 1, name: 'labels', kind: 'read-only-storage' },
  { binding: 2, name: 'out', kind: 'storage' },
];

export const oneHotSpec: KernelSpec<OneHotParams> = { name: 'one_hot', ops: ['one_hot'], defaults: { workgroupSize: 256 }, bindings: BINDINGS };

/** one_hot of `rows` int32 labels into float32 [rows, depth]. */
export function oneHotKernel(rows: number, depth: number, params: Partial<OneHotParams> = {}): KernelSource {
  const wg = params.workgroupSize ?? 256;
  if ([rows, depth].some((v) => !Number.isInteger(v) || v < 1)) throw new KernelShapeError(`one_hot needs positive rows and depth, got ${rows} and ${depth}`);
  const count = rows * depth;
  return {
    label: 'one_hot',
    code: fillTemplate(WGSL.one_hot, { WG_SIZE: wg }, 'one_hot.wgsl'),
    entryPoint: 'main',
    workgroupSize: [wg, 1, 1],
    dispatch: dispatch1d(ceilDiv(count, wg)),
    bindings: BINDINGS,
    uniforms: u32Fields({ count, depth }),
  };
}
