/** Spec of pool2d_backward.wgsl: dx [n, c, h, w] of max or average pooling, gathered per input element. */
import { type KernelBinding, type KernelSource, type KernelSpec, ceilDiv, dispatch1d } from './kernel.js';
import { type PoolMode, type PoolParams, type PoolShape, poolGeometry, poolUniforms } from './pool2d.js';
import { fillTemplate } from './template.js';
import { WGSL } from './wgsl.gen.js';

function bindings(mode: PoolMode): KernelBinding[] {
  const b: KernelBinding[] = [
    { binding: 0, name: 'params', kind: 'uniform' },
    { binding: 1, name: 'dy', kind: 'read-only-storage' },
    { binding: 2, name: 'dx', kind: 'storage' },
  ];
  if (mode === 'max') b.push({ binding: 3, name: 'x', kind: 'read-only-storage' });
  return b;
}

export const pool2dBackwardSpec: KernelSpec<PoolParams> = {
  name: 'pool2d_backward', ops: ['max_pool2d_backward', 'avg_pool2d_backward'], defaults: { workgroupSize: 256 }, bindings: () => bindings('max'),
};

/** The pooling backward launch; max pooling also binds the forward input `x`. */
export function pool2dBackwardKernel(mode: PoolMode, shape: PoolShape, params: Partial<PoolParams> = {}): KernelSource {
  const wg = params.workgroupSize ?? 256;
  const g = poolGeometry(shape);
  const count = g.n * g.c * g.h * g.w;
  return {
    label: `${mode}_pool2d_backward`,
    code: fillTemplate(WGSL.pool2d_backward, { MAX: mode === 'max', WG_SIZE: wg }, 'pool2d_backward.wgsl'),
    entryPoint: 'main',
    workgroupSize: [wg, 1, 1],
    dispatch: dispatch1d(ceilDiv(count, wg)),
    bindings: bindings(mode),
    uniforms: poolUniforms(g, count),
  };
}
