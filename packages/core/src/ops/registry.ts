/**
 * The op registry: one typed table of every primitive op, and the attribute type of each (OpAttrs).
 * A missing entry is a compile error, and backends look their kernels up by the same names (OpName).
 */
import { UnknownOpError } from '../errors.js';
import type { Attrs, OpDef } from './op_def.js';
import type { OpName } from './op_names.js';
import { input, state, constant, fill } from './misc/leaves.js';
import { UNARY_OPS } from './pointwise/unary.js';
import { BINARY_OPS } from './pointwise/binary.js';
import { sum, max } from './reduce/reduce.js';
import { moments } from './reduce/moments.js';
import { reshape, transpose, broadcast_to, concat, slice, pad } from './layout/layout.js';
import { matmul } from './linalg/matmul.js';
import { conv2d, conv2d_backward_data, conv2d_backward_weight } from './conv/conv2d.js';
import { max_pool2d, max_pool2d_backward, avg_pool2d, avg_pool2d_backward } from './pool/pool2d.js';
import { stop_gradient, one_hot, cast } from './misc/misc.js';
import { resized_crop } from './image/resized_crop.js';

const REGISTRY = {
  input, state, constant, fill,
  ...UNARY_OPS,
  ...BINARY_OPS,
  sum, max, moments,
  reshape, transpose, broadcast_to, concat, slice, pad,
  matmul,
  conv2d, conv2d_backward_data, conv2d_backward_weight,
  max_pool2d, max_pool2d_backward, avg_pool2d, avg_pool2d_backward,
  stop_gradient, one_hot, cast,
  resized_crop,
};

/** The attribute type of op K. */
export type OpAttrs<K extends OpName> = (typeof REGISTRY)[K] extends OpDef<infer A> ? A : never;

/** Every primitive op's definition, by name. */
export const OPS: { readonly [K in OpName]: OpDef<OpAttrs<K>> } = REGISTRY;

export type { OpName };

export function isOpName(name: string): name is OpName {
  return Object.prototype.hasOwnProperty.call(OPS, name);
}

export function getOp(name: string): OpDef<Attrs> {
  if (!isOpName(name)) throw new UnknownOpError(`unknown op "${name}"; known ops: ${Object.keys(OPS).join(', ')}`);
  return OPS[name] as unknown as OpDef<Attrs>;
}

/**
 * The attributes of a node or plan value of op `op`, typed. Throws when the value is another op, so a
 * table row can never read another op's attributes.
 */
export function attrsOf<K extends OpName>(v: { readonly op: OpName; readonly attrs: Attrs }, op: K): OpAttrs<K> {
  if (v.op !== op) throw new TypeError(`attrsOf: the value is a ${v.op}, not a ${op}`);
  return v.attrs as unknown as OpAttrs<K>;
}
