/**
 * Pointwise ops as table rows (one WGSL expression each, over `a` and `b`) and the spec that fills
 * pointwise.wgsl for one op and one set of shapes, with numpy broadcasting through strides in the
 * uniform. Names match the core op registry's UNARY_TABLE / BINARY_TABLE; `copy` (identity) with
 * explicit strides serves layout ops such as transpose.
 */
import { type KernelBinding, type KernelSource, type KernelSpec, KernelShapeError, ceilDiv, dispatch1d } from './kernel.js';
import { fillTemplate } from './template.js';
import { WGSL } from './wgsl.gen.js';

/** Unary ops: WGSL expression of `a`. */
export const UNARY_WGSL = {
  copy: 'a',
  neg: '-a',
  exp: 'exp(a)',
  log: 'log(a)',
  sqrt: 'sqrt(a)',
  rsqrt: 'inverseSqrt(a)',
  relu: 'max(a, 0.0)',
  abs: 'abs(a)',
  square: 'a * a',
  reciprocal: '1.0 / a',
  // tanh(x) is +-1 to f32 precision beyond |x| = 10; clamping avoids inf/inf in some implementations.
  tanh: 'tanh(clamp(a, -15.0, 15.0))',
  sigmoid: '1.0 / (1.0 + exp(-a))',
  step: 'select(0.0, 1.0, a > 0.0)',
  sign: 'sign(a)',
} as const satisfies Record<string, string>;

/** Binary ops: WGSL expression of `a` and `b`. */
export const BINARY_WGSL = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  maximum: 'select(b, a, a >= b)',
  minimum: 'select(b, a, a <= b)',
  pow: 'pow_js(a, b)',
  equal: 'select(0.0, 1.0, a == b)',
  greater: 'select(0.0, 1.0, a > b)',
  greater_equal: 'select(0.0, 1.0, a >= b)',
  less_equal: 'select(0.0, 1.0, a <= b)',
} as const satisfies Record<string, string>;

export type UnaryWgslOp = keyof typeof UNARY_WGSL;
export type BinaryWgslOp = keyof typeof BINARY_WGSL;
export type PointwiseOp = UnaryWgslOp | BinaryWgslOp;

/** Template parameters of pointwise.wgsl beyond the op. */
export interface PointwiseParams {
  readonly workgroupSize: number;
}

/** Output shape and operand shapes (numpy broadcasting) or explicit element strides per operand. */
export interface PointwiseShape {
  readonly out: readonly number[];
  /** Shape of `a` (broadcast to `out`); default `out`. Ignored when aStrides is given. */
  readonly a?: readonly number[];
  readonly b?: readonly number[];
  /** Element strides of `a` per output axis (e.g. a permutation for transpose). */
  readonly aStrides?: readonly number[];
  readonly bStrides?: readonly number[];
}

export const MAX_POINTWISE_RANK = 8;

const DEFAULTS: PointwiseParams = { workgroupSize: 256 };

const BINDINGS: KernelBinding[] = [
  { binding: 0, name: 'params', kind: 'uniform' },
  { binding: 1, name: 'a', kind: 'read-only-storage' },
  { binding: 2, name: 'out', kind: 'storage' },
  { binding: 3, name: 'b', kind: 'read-only-storage' },
];

export const pointwiseSpec: KernelSpec<PointwiseParams> = {
  name: 'pointwise',
  ops: [...Object.keys(UNARY_WGSL), ...Object.keys(BINARY_WGSL)],
  defaults: DEFAULTS,
  bindings: BINDINGS,
};

export function isBinaryPointwise(op: string): op is BinaryWgslOp {
  return Object.prototype.hasOwnProperty.call(BINARY_WGSL, op);
}

/** Element strides of `shape` broadcast against `out` (numpy rules: align right, size-1 axes stride 0). */
export function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  if (shape.length > out.length) throw new KernelShapeError(`shape [${shape}] has more axes than the output [${out}]`);
  const strides = new Array<number>(out.length).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = out.length - shape.length + i;
    const size = shape[i]!;
    if (size !== out[d] && size !== 1) throw new KernelShapeError(`shape [${shape}] does not broadcast to [${out}]`);
    strides[d] = size === 1 ? 0 : stride;
    stride *= size;
  }
  return strides;
}

function contiguousStrides(out: readonly number[]): number[] {
  const s = new Array<number>(out.length);
  let stride = 1;
  for (let i = out.length - 1; i >= 0; i--) {
    s[i] = stride;
    stride *= out[i]!;
  }
  return s;
}

/** The launch of pointwise `op` producing `shape.out` (float32 in, float32 out). */
export function pointwiseKernel(op: PointwiseOp, shape: PointwiseShape, params: Partial<PointwiseParams> = {}): KernelSource {
  const p = { ...DEFAULTS, ...params };
  const binary = isBinaryPointwise(op);
  const expr = binary ? BINARY_WGSL[op] : (UNARY_WGSL as Record<string, string>)[op];
  if (expr === undefined) throw new KernelShapeError(`unknown pointwise op "${op}"`);
  const out = shape.out;
  if (out.length > MAX_POINTWISE_RANK) throw new KernelShapeError(`pointwise output rank ${out.length} exceeds ${MAX_POINTWISE_RANK}; merge axes first`);
  const count = out.reduce((x, y) => x * y, 1);
  const contiguous = contiguousStrides(out);
  const sa = shape.aStrides ?? broadcastStrides(shape.a ?? out, out);
  const sb = binary ? (shape.bStrides ?? broadcastStrides(shape.b ?? out, out)) : contiguous;
  if (sa.length !== out.length || sb.length !== out.length) throw new KernelShapeError(`strides need one entry per output axis (${out.length})`);
  const same = (s: readonly number[]) => s.every((v, i) => v === contiguous[i] || out[i] === 1);
  const broadcast = !(same(sa) && same(sb));
  const code = fillTemplate(WGSL.pointwise, { EXPR: expr, BINARY: binary, BROADCAST: broadcast, WG_SIZE: p.workgroupSize }, 'pointwise.wgsl');
  return {
    label: `pointwise_${op}${broadcast ? '_bcast' : ''}`,
    code,
    entryPoint: 'main',
    workgroupSize: [p.workgroupSize, 1, 1],
    dispatch: dispatch1d(ceilDiv(count, p.workgroupSize)),
    bindings: binary ? BINDINGS : BINDINGS.slice(0, 3),
    uniforms: [
      { name: 'count', type: 'u32', value: count },
      { name: 'rank', type: 'u32', value: out.length },
      { name: 'out_shape', type: 'vec4u_x2', value: [...out] },
      { name: 'stride_a', type: 'vec4u_x2', value: [...sa] },
      { name: 'stride_b', type: 'vec4u_x2', value: [...sb] },
    ],
  };
}
