/**
 * What backends need to emit a pointwise value from their code tables: which op, which implementation
 * (the value of its string attribute), and its numeric attributes as scalar operands in declaration order.
 * Public (backends import it).
 */
import type { Attrs } from '../op_def.js';
import { UNARY_OP_NAMES, UNARY_TABLE, type UnaryAttrs, type UnaryOpName } from './unary.js';
import { BINARY_OP_NAMES, BINARY_TABLE, type BinaryOpName } from './binary.js';
import type { BinaryCode, UnaryImpl } from './pointwise_types.js';

export type PointwiseOpName = UnaryOpName | BinaryOpName;

/** A backend's code for every unary op, typed so a missing op fails to compile. */
export type UnaryCodeTable<C> = { readonly [K in UnaryOpName]: UnaryImpl<UnaryAttrs<K>, C> };
/** A backend's code for every binary op. */
export type BinaryCodeTable<C> = { readonly [K in BinaryOpName]: BinaryCode<C> };

const UNARY = new Set<string>(UNARY_OP_NAMES);
const BINARY = new Set<string>(BINARY_OP_NAMES);

export function isUnaryOp(op: string): op is UnaryOpName {
  return UNARY.has(op);
}
export function isBinaryOp(op: string): op is BinaryOpName {
  return BINARY.has(op);
}
export function isPointwiseOp(op: string): op is PointwiseOpName {
  return UNARY.has(op) || BINARY.has(op);
}

type Decl = { readonly default: unknown; readonly choices?: readonly unknown[] };
const declsOf = (op: UnaryOpName): [string, Decl][] => Object.entries((UNARY_TABLE[op].attrs ?? {}) as Record<string, Decl>);

/** A unary op's attributes at their defaults (PyTorch's). */
export function unaryDefaults(op: UnaryOpName): Attrs {
  return Object.fromEntries(declsOf(op).map(([k, d]) => [k, d.default])) as Attrs;
}

/** Names of a unary op's numeric attributes, in declaration order (the order of `PointwiseCall.params`). */
export function numericAttrNames(op: UnaryOpName): string[] {
  return declsOf(op).filter(([, d]) => !d.choices).map(([k]) => k);
}

/** The allowed values of a unary op's string attribute, or [undefined] when it has none. */
export function unaryChoices(op: UnaryOpName): (string | undefined)[] {
  const choice = declsOf(op).find(([, d]) => d.choices);
  return choice ? (choice[1].choices as string[]) : [undefined];
}

/** One pointwise value as a backend runs it. */
export interface PointwiseCall {
  readonly op: PointwiseOpName;
  /** The value of the op's string attribute (gelu's approximate), which selects the implementation. */
  readonly choice?: string;
  /** The op's numeric attributes, in declaration order: scalar operands after the tensor operands. */
  readonly params: readonly number[];
}

/** The call of a pointwise value (its op and attributes). */
export function pointwiseCall(v: { readonly op: string; readonly attrs: Attrs }): PointwiseCall {
  if (isBinaryOp(v.op)) return { op: v.op, params: [] };
  if (!isUnaryOp(v.op)) throw new TypeError(`"${v.op}" is not a pointwise op`);
  const decls = declsOf(v.op);
  const choice = decls.find(([, d]) => d.choices);
  // the shape rule checked every attribute against its declaration; these checks only narrow the types
  const params = decls.filter(([, d]) => !d.choices).map(([k]) => {
    const x = v.attrs[k];
    if (typeof x !== 'number') throw new TypeError(`${v.op}: attribute "${k}" is not a number`);
    return x;
  });
  if (!choice) return { op: v.op, params };
  const c = v.attrs[choice[0]];
  if (typeof c !== 'string') throw new TypeError(`${v.op}: attribute "${choice[0]}" is not a string`);
  return { op: v.op, choice: c, params };
}

/** A name for a call's implementation: the op, with the choice after a colon (`gelu:tanh`). */
export function pointwiseKey(call: { readonly op: PointwiseOpName; readonly choice?: string }): string {
  return call.choice === undefined ? call.op : `${call.op}:${call.choice}`;
}

/** A unary op's code from a backend table, for one choice, with numeric attribute expressions positional. */
export function unaryCode<C>(table: UnaryCodeTable<C>, op: UnaryOpName, choice?: string): (x: C, params: readonly C[]) => C {
  const impl = table[op] as unknown;
  const fn = (typeof impl === 'function' ? impl : choice === undefined ? undefined : (impl as Record<string, unknown>)[choice]) as
    | ((x: C, attrs: Record<string, C>) => C)
    | undefined;
  if (!fn) throw new TypeError(`no code for ${op}${choice === undefined ? '' : ` with ${choice}`}`);
  const names = numericAttrNames(op);
  return (x, params) => fn(x, Object.fromEntries(names.map((k, i) => [k, params[i]!])));
}

/** Relative cost of recomputing a pointwise op inside a fused group (its row's `cost`, default 1). */
export function pointwiseCost(op: PointwiseOpName): number {
  return (isUnaryOp(op) ? UNARY_TABLE[op].cost : BINARY_TABLE[op].cost) ?? 1;
}
