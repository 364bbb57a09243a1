/**
 * The op registry: one typed table of every primitive op. A missing entry is a compile error where an
 * op name is used, and backends look their kernels up by the same names (OpName).
 */
import { UnknownOpError } from '../errors.js';
import type { OpDef } from './op_def.js';
import type { OpName } from './op_names.js';
import { input, state, constant, fill } from './misc/leaves.js';
import { UNARY_OPS } from './pointwise/unary.js';
import { BINARY_OPS } from './pointwise/binary.js';
import { sum, max } from './reduce/reduce.js';
import { reshape, transpose, broadcast_to, concat, slice, pad } from './layout/layout.js';
import { matmul } from './linalg/matmul.js';
import { conv2d, conv2d_backward_data, conv2d_backward_weight } from './conv/conv2d.js';
import { max_pool2d, max_pool2d_backward, avg_pool2d, avg_pool2d_backward } from './pool/pool2d.js';
import { stop_gradient, one_hot, cast } from './misc/misc.js';
import { resized_crop } from './image/resized_crop.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry keeps its own attribute type
export const OPS: Record<OpName, OpDef<any>> = {
  input, state, constant, fill,
  ...UNARY_OPS,
  ...BINARY_OPS,
  sum, max,
  reshape, transpose, broadcast_to, concat, slice, pad,
  matmul,
  conv2d, conv2d_backward_data, conv2d_backward_weight,
  max_pool2d, max_pool2d_backward, avg_pool2d, avg_pool2d_backward,
  stop_gradient, one_hot, cast,
  resized_crop,
};

export type { OpName };

export function isOpName(name: string): name is OpName {
  return Object.prototype.hasOwnProperty.call(OPS, name);
}

export function getOp(name: string): OpDef {
  if (!isOpName(name)) throw new UnknownOpError(`unknown op "${name}"; known ops: ${Object.keys(OPS).join(', ')}`);
  return OPS[name] as OpDef;
}
