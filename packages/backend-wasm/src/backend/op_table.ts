/**
 * How each primitive op runs on the wasm backend: one typed row per op name (Record<OpName, ...>), so an op
 * added to the core without a row here fails to compile. Pointwise ops and reductions become instructions of
 * fused programs (fusion.ts); reshape and stop_gradient alias their input's storage; everything else emits
 * its own launches (kernels.ts). Internal to the backend.
 */
import type { BinaryOpName, OpName, UnaryOpName } from '@dogo/core';

/** How an op is lowered. */
export type Lowering =
  /** Leaves: a region written by feeds, state or constants. */
  | { readonly kind: 'leaf' }
  /** Same elements, another shape (or no gradient): shares its input's storage. */
  | { readonly kind: 'view' }
  /** An instruction of a fused program; `op` names the FUSED_OPCODES family. */
  | { readonly kind: 'pointwise'; readonly op: UnaryOpName | BinaryOpName }
  /** A broadcast: an operand with zero strides inside fused programs, a strided copy when materialised. */
  | { readonly kind: 'broadcast' }
  /** sum / max over any axes: a reduction output of a fused program. */
  | { readonly kind: 'reduce'; readonly op: 'radd' | 'rmax' }
  /** Its own launches (kernels.ts, keyed by the same op name). */
  | { readonly kind: 'kernel' };

const pw = <O extends UnaryOpName | BinaryOpName>(op: O) => ({ kind: 'pointwise', op }) as const;
const kernel = { kind: 'kernel' } as const;
const leaf = { kind: 'leaf' } as const;

export const LOWERINGS = {
  input: leaf, state: leaf, constant: leaf, fill: leaf,
  neg: pw('neg'), exp: pw('exp'), log: pw('log'), sqrt: pw('sqrt'), rsqrt: pw('rsqrt'), relu: pw('relu'), abs: pw('abs'),
  square: pw('square'), reciprocal: pw('reciprocal'), tanh: pw('tanh'), sigmoid: pw('sigmoid'), step: pw('step'), sign: pw('sign'),
  add: pw('add'), sub: pw('sub'), mul: pw('mul'), div: pw('div'), maximum: pw('maximum'), minimum: pw('minimum'), pow: pw('pow'),
  equal: pw('equal'), greater: pw('greater'), greater_equal: pw('greater_equal'), less_equal: pw('less_equal'),
  sum: { kind: 'reduce', op: 'radd' },
  max: { kind: 'reduce', op: 'rmax' },
  reshape: { kind: 'view' },
  stop_gradient: { kind: 'view' },
  broadcast_to: { kind: 'broadcast' },
  transpose: kernel, concat: kernel, slice: kernel, pad: kernel,
  matmul: kernel,
  conv2d: kernel, conv2d_backward_data: kernel, conv2d_backward_weight: kernel,
  max_pool2d: kernel, max_pool2d_backward: kernel, avg_pool2d: kernel, avg_pool2d_backward: kernel,
  one_hot: kernel, cast: kernel,
  resized_crop: kernel,
} as const satisfies Record<OpName, Lowering>;

/** Ops that emit their own launches: each needs an emitter in kernels.ts (a typed table over this union). */
export type KernelOpName = { [K in OpName]: (typeof LOWERINGS)[K] extends { kind: 'kernel' } ? K : never }[OpName];

/** Relative cost of recomputing an op inside a fused program (instructions; transcendentals count more). */
export function recomputeCost(op: OpName): number {
  switch (op) {
    case 'exp': case 'log': case 'tanh': case 'sigmoid': return 4;
    case 'pow': return 8;
    case 'broadcast_to': return 0;
    default: return 1;
  }
}
