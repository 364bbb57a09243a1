/**
 * Spec of the matmul kernel family (matmul.wgsl over gemm_tiled.wgsl): batched C = op(A)·op(B). Serves the
 * core `matmul` op (transposeA/transposeB); a linear layer's bias and activation run as a fused pointwise step.
 */
import { type KernelBinding, type KernelSource, type KernelSpec, KernelShapeError, u32Fields } from './kernel.js';
import { GEMM_TILINGS, type GemmTiling, chooseGemmTiling, gemmCode, gemmDispatch, gemmWorkgroupSize } from './gemm_tiled.js';
import { fillTemplate } from './template.js';
import { WGSL } from './wgsl.gen.js';

/** Template parameters of matmul.wgsl. */
export interface MatmulParams {
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  /** GEMM tiling; default: chooseGemmTiling for m x n. */
  readonly tiling?: GemmTiling;
}

/** Sizes of one matmul launch: op(A) is m x k, op(B) is k x n, `batch` products (default 1). */
export interface MatmulShape {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly batch?: number;
  /** Elements between consecutive batch entries; default packed (m*k, k*n, m*n); 0 broadcasts. */
  readonly batchStrideA?: number;
  readonly batchStrideB?: number;
}

const DEFAULTS: MatmulParams = { transposeA: false, transposeB: false };

const BINDINGS: KernelBinding[] = [
  { binding: 0, name: 'params', kind: 'uniform' },
  { binding: 1, name: 'a', kind: 'read-only-storage' },
  { binding: 2, name: 'b', kind: 'read-only-storage' },
  { binding: 3, name: 'c', kind: 'storage' },
];

export const matmulSpec: KernelSpec<MatmulParams> = { name: 'matmul', ops: ['matmul'], defaults: DEFAULTS, bindings: BINDINGS };

/** The matmul launch for `shape` with template parameters `params` (default: no transposes). */
export function matmulKernel(shape: MatmulShape, params: Partial<MatmulParams> = {}): KernelSource {
  const p: MatmulParams = { ...DEFAULTS, ...params };
  const { m, n, k } = shape;
  const batch = shape.batch ?? 1;
  if ([m, n, k, batch].some((v) => !Number.isInteger(v) || v < 1)) throw new KernelShapeError(`matmul sizes must be positive integers, got m=${m} n=${n} k=${k} batch=${batch}`);
  const family = fillTemplate(WGSL.matmul, { TRANS_A: p.transposeA, TRANS_B: p.transposeB }, 'matmul.wgsl');
  const t = p.tiling ?? GEMM_TILINGS[chooseGemmTiling(m, n)];
  const suffix = `${p.transposeA ? 't' : 'n'}${p.transposeB ? 't' : 'n'}`;
  return {
    label: `matmul_${suffix}`,
    // A stored k x m (transposed) is m-contiguous; B stored n x k (transposed) is k-contiguous.
    code: gemmCode(family, t, p.transposeA, p.transposeB),
    entryPoint: 'main',
    workgroupSize: gemmWorkgroupSize(t),
    dispatch: gemmDispatch(t, m, n, batch),
    bindings: BINDINGS,
    uniforms: u32Fields({
      m, n, k,
      batch_stride_a: shape.batchStrideA ?? m * k,
      batch_stride_b: shape.batchStrideB ?? k * n,
      batch_stride_c: m * n,
    }),
  };
}
