/**
 * Spec of softmax.wgsl: softmax or log-softmax along the last axis, forward and backward, one
 * workgroup per row. Serves fused softmax / log_softmax (cross entropy, NT-Xent) once the core has them.
 */
import { type KernelBinding, type KernelSource, type KernelSpec, KernelShapeError, dispatch1d, u32Fields } from './kernel.js';
import { fillTemplate } from './template.js';
import { WGSL } from './wgsl.gen.js';

/** Template parameters of softmax.wgsl. */
export interface SoftmaxParams {
  readonly log: boolean;
  readonly backward: boolean;
  readonly workgroupSize: number;
}

const DEFAULTS: SoftmaxParams = { log: false, backward: false, workgroupSize: 256 };

function bindings(p: SoftmaxParams): KernelBinding[] {
  return p.backward
    ? [
        { binding: 0, name: 'params', kind: 'uniform' },
        { binding: 1, name: 'y', kind: 'read-only-storage' },
        { binding: 2, name: 'dx', kind: 'storage' },
        { binding: 3, name: 'dy', kind: 'read-only-storage' },
      ]
    : [
        { binding: 0, name: 'params', kind: 'uniform' },
        { binding: 1, name: 'x', kind: 'read-only-storage' },
        { binding: 2, name: 'y', kind: 'storage' },
      ];
}

export const softmaxSpec: KernelSpec<SoftmaxParams> = { name: 'softmax', ops: ['softmax', 'log_softmax'], defaults: DEFAULTS, bindings };

/** Softmax over the last axis of a [rows, cols] view. Backward takes the forward output `y` and `dy`. */
export function softmaxKernel(rows: number, cols: number, params: Partial<SoftmaxParams> = {}): KernelSource {
  const p = { ...DEFAULTS, ...params };
  if (![rows, cols].every((v) => Number.isInteger(v) && v >= 1)) throw new KernelShapeError(`softmax needs positive rows and cols, got ${rows}x${cols}`);
  if (p.workgroupSize & (p.workgroupSize - 1)) throw new KernelShapeError(`softmax workgroup size ${p.workgroupSize} must be a power of two`);
  return {
    label: `${p.log ? 'log_softmax' : 'softmax'}${p.backward ? '_backward' : ''}`,
    code: fillTemplate(WGSL.softmax, { LOG: p.log, BACKWARD: p.backward, WG_SIZE: p.workgroupSize }, 'softmax.wgsl'),
    entryPoint: 'main',
    workgroupSize: [p.workgroupSize, 1, 1],
    dispatch: dispatch1d(rows),
    bindings: bindings(p),
    uniforms: u32Fields({ rows, cols }),
  };
}
