/**
 * Spec of reduce.wgsl: sum, mean or max over one axis (or a run of adjacent axes) of a contiguous
 * tensor viewed as [outer, reduce, inner]. Serves the core `sum` and `max` ops; several
 * non-adjacent axes take one launch per run. Picks the per-thread or per-workgroup strategy by size.
 */
import { type KernelBinding, type KernelSource, type KernelSpec, KernelShapeError, ceilDiv, dispatch1d, u32Fields } from './kernel.js';
import { fillTemplate } from './template.js';
import { WGSL } from './wgsl.gen.js';

export type ReduceOp = 'sum' | 'mean' | 'max';

/** Template parameters of reduce.wgsl beyond the op. */
export interface ReduceParams {
  readonly workgroupSize: number;
  /** One thread per output; default: when the reduction is shorter than 64 or outputs outnumber 4096. */
  readonly perThread?: boolean;
}

/** x viewed as [outer, reduce, inner]; the output is [outer, inner]. */
export interface ReduceShape {
  readonly outer: number;
  readonly reduce: number;
  readonly inner: number;
}

const DEFAULTS: ReduceParams = { workgroupSize: 256 };

const BINDINGS: KernelBinding[] = [
  { binding: 0, name: 'params', kind: 'uniform' },
  { binding: 1, name: 'x', kind: 'read-only-storage' },
  { binding: 2, name: 'out', kind: 'storage' },
];

export const reduceSpec: KernelSpec<ReduceParams> = { name: 'reduce', ops: ['sum', 'max'], defaults: DEFAULTS, bindings: BINDINGS };

/** [outer, reduce, inner] for reducing axes [from, to) of `shape`. */
export function reduceView(shape: readonly number[], from: number, to = from + 1): ReduceShape {
  if (from < 0 || to > shape.length || from >= to) throw new KernelShapeError(`axes [${from}, ${to}) out of range for shape [${shape}]`);
  const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  return { outer: prod(shape.slice(0, from)), reduce: prod(shape.slice(from, to)), inner: prod(shape.slice(to)) };
}

export function reduceKernel(op: ReduceOp, shape: ReduceShape, params: Partial<ReduceParams> = {}): KernelSource {
  const p = { ...DEFAULTS, ...params };
  const { outer, reduce, inner } = shape;
  if ([outer, reduce, inner].some((v) => !Number.isInteger(v) || v < 1)) throw new KernelShapeError(`reduce view must be positive integers: ${JSON.stringify(shape)}`);
  const wg = p.workgroupSize;
  if (wg & (wg - 1)) throw new KernelShapeError(`reduce workgroup size ${wg} must be a power of two`);
  const count = outer * inner;
  const perThread = p.perThread ?? (reduce < 64 || count > 4096);
  const code = fillTemplate(WGSL.reduce, { OP_SUM: op === 'sum', OP_MEAN: op === 'mean', OP_MAX: op === 'max', PER_THREAD: perThread, WG_SIZE: wg }, 'reduce.wgsl');
  return {
    label: `reduce_${op}${perThread ? '_thread' : '_wg'}`,
    code,
    entryPoint: 'main',
    workgroupSize: [wg, 1, 1],
    dispatch: dispatch1d(perThread ? ceilDiv(count, wg) : count),
    bindings: BINDINGS,
    uniforms: u32Fields({ outer, reduce, inner, count }),
  };
}
