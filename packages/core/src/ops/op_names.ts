/**
 * Every op name, spelled once, grouped by how backends run it (its kind). The registry and each backend's
 * tables are typed over these names (Record<OpName, ...> or over one kind), so an op missing from a table
 * fails to compile. Pointwise names live with their table rows (pointwise/unary.ts, pointwise/binary.ts).
 */
import { UNARY_OP_NAMES, type UnaryOpName } from './pointwise/unary.js';
import { BINARY_OP_NAMES, type BinaryOpName } from './pointwise/binary.js';

export { UNARY_OP_NAMES, BINARY_OP_NAMES, type UnaryOpName, type BinaryOpName };

/** Inputs, state and constants: bound to buffers, never computed. */
export const LEAF_OP_NAMES = ['input', 'state', 'constant', 'fill'] as const;
/** Same elements under another shape (or without a gradient): share their input's storage. */
export const VIEW_OP_NAMES = ['reshape', 'stop_gradient'] as const;
/** Reductions over axes: accumulating roots of fused groups where a backend's groups reduce, else kernels. */
export const REDUCE_OP_NAMES = ['sum', 'max'] as const;
/** broadcast_to: an operand read with zero strides inside a fused group; a copy kernel when stored. */
export const BROADCAST_OP_NAMES = ['broadcast_to'] as const;
/** Ops with kernels of their own on every backend. */
export const KERNEL_OP_NAMES = [
  'transpose', 'concat', 'slice', 'pad',
  'matmul',
  'conv2d', 'conv2d_backward_data', 'conv2d_backward_weight',
  'max_pool2d', 'max_pool2d_backward', 'avg_pool2d', 'avg_pool2d_backward',
  'moments',
  'one_hot', 'cast',
  'resized_crop',
] as const;

export type LeafOpName = (typeof LEAF_OP_NAMES)[number];
export type ViewOpName = (typeof VIEW_OP_NAMES)[number];
export type ReduceOpName = (typeof REDUCE_OP_NAMES)[number];
export type BroadcastOpName = (typeof BROADCAST_OP_NAMES)[number];
export type KernelOpName = (typeof KERNEL_OP_NAMES)[number];
export type OpName = LeafOpName | ViewOpName | UnaryOpName | BinaryOpName | ReduceOpName | BroadcastOpName | KernelOpName;

/** How backends run an op; the lowering pass (passes/lowering.ts) decides fusion and storage from it. */
export type OpKind = 'leaf' | 'view' | 'pointwise' | 'reduce' | 'broadcast' | 'kernel';

const KIND = new Map<string, OpKind>([
  ...LEAF_OP_NAMES.map((n) => [n, 'leaf'] as const),
  ...VIEW_OP_NAMES.map((n) => [n, 'view'] as const),
  ...UNARY_OP_NAMES.map((n) => [n, 'pointwise'] as const),
  ...BINARY_OP_NAMES.map((n) => [n, 'pointwise'] as const),
  ...REDUCE_OP_NAMES.map((n) => [n, 'reduce'] as const),
  ...BROADCAST_OP_NAMES.map((n) => [n, 'broadcast'] as const),
  ...KERNEL_OP_NAMES.map((n) => [n, 'kernel'] as const),
]);

/** The kind of an op. */
export function opKind(op: OpName): OpKind {
  return KIND.get(op)!;
}
