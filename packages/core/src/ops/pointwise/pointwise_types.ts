/**
 * Types shared by the pointwise tables (unary.ts, binary.ts) and by every backend's code table for them.
 * A backend writes, for each pointwise op, a function from operand expressions (WGSL, WAT, ...) to the
 * result's expression; the tables are typed over the op names, so a backend that lacks an op fails to
 * compile. Attributes reach backends in two ways: a numeric attribute (leaky_relu's negative_slope) is a
 * run-time scalar operand, so one kernel serves every value; a string attribute (gelu's approximate) picks
 * one of several functions, so a backend writes one per allowed value.
 */

/** Where an op is smooth and defined: tests draw inputs uniformly from [lo, hi], keeping |x| >= avoid. */
export interface Domain {
  readonly lo: number;
  readonly hi: number;
  /** Stay this far from 0 (kinks and poles of relu, abs, div, leaky_relu). */
  readonly avoid?: number;
}

/** Declared attributes of a pointwise op: defaults (PyTorch's), and the allowed values of string ones. */
export type AttrSpec<A> = {
  readonly [P in keyof A]: A[P] extends string ? { readonly default: A[P]; readonly choices: readonly A[P][] } : { readonly default: A[P] };
};

/** Keys of the numeric attributes of A. */
export type NumericAttrKey<A> = { [P in keyof A]-?: A[P] extends number ? P : never }[keyof A];
/** Key of the string attribute of A (a pointwise op has at most one). */
export type ChoiceAttrKey<A> = { [P in keyof A]-?: A[P] extends string ? P : never }[keyof A];

/** One unary op's code in a backend: the result's expression from x and each numeric attribute's expression. */
export type UnaryCode<A, C> = (x: C, attrs: { readonly [P in NumericAttrKey<A>]: C }) => C;
/** A unary op's code, one per allowed value of its string attribute if it has one. */
export type UnaryImpl<A, C> = [ChoiceAttrKey<A>] extends [never] ? UnaryCode<A, C> : { readonly [V in A[ChoiceAttrKey<A>] & string]: UnaryCode<A, C> };
/** One binary op's code in a backend. */
export type BinaryCode<C> = (a: C, b: C) => C;
