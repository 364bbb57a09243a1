/**
 * Generates one kernel for a fused group of pointwise ops (fused_pointwise.wgsl). The caller supplies the
 * WGSL functions the group calls (name, arity, body: its pointwise code table and any helpers) and the
 * group as terms in evaluation order (input buffers, uniform scalars, calls of those functions), the last
 * one the result. The WGSL text depends only on the structure (functions, which inputs broadcast, how many
 * scalars); shapes, strides and scalar values go into the uniform, so one pipeline serves every group of
 * that structure. Knows no ops and no graphs: the WebGPU backend decides what a group computes and how
 * each op is written in WGSL.
 */
import { type KernelBinding, type KernelSource, type KernelSpec, KernelShapeError, ceilDiv, dispatch1d, type UniformField } from './kernel.js';
import { MAX_RANK, broadcastStrides } from './strides.js';
import { fillTemplate } from './template.js';
import { WGSL } from './wgsl.gen.js';

/** A WGSL function of f32 parameters `a0, a1, ...` returning f32, emitted as `fn name(a0: f32, ...) -> f32 { body }`. */
export interface WgslFunction {
  /** A WGSL identifier, unique within one kernel and not the name of a WGSL builtin (`op_exp`, not `exp`). */
  readonly name: string;
  /** Number of parameters: a unary op's operand then its numeric attributes, say. */
  readonly arity: number;
  /** WGSL statements over a0 .. a{arity-1} ending in `return ...;`; may call functions listed before it. */
  readonly body: string;
}

/** One term of a fused group; `args` index earlier terms. */
export type FusedTerm =
  /** Input buffer k, read broadcast to the output shape. */
  | { readonly input: number }
  /** Uniform scalar k. */
  | { readonly scalar: number }
  /** A call of function `call` (by name) on earlier terms. */
  | { readonly call: string; readonly args: readonly number[] };

/** What a fused kernel computes: its functions and its terms, the last term the result. */
export interface FusedProgram {
  /** Functions in an order where each calls only earlier ones. */
  readonly functions: readonly WgslFunction[];
  readonly terms: readonly FusedTerm[];
  /** Label for pipelines, errors and profiles; default `fused_N(f,g,...)` from the calls. */
  readonly label?: string;
}

/** Output shape, each input's shape (broadcast to `out`) and the scalar values. */
export interface FusedPointwiseShape {
  readonly out: readonly number[];
  readonly inputs: readonly (readonly number[])[];
  readonly scalars: readonly number[];
}

/** Template parameters of fused_pointwise.wgsl beyond the generated text. */
export interface FusedPointwiseParams {
  readonly workgroupSize: number;
}

/** Inputs one fused kernel may bind: WebGPU guarantees 8 storage buffers per stage, one is the output. */
export const MAX_FUSED_INPUTS = 7;

export const fusedPointwiseSpec: KernelSpec<FusedPointwiseParams> = {
  name: 'fused_pointwise',
  // every pointwise op of the core: the caller supplies their code
  ops: [],
  defaults: { workgroupSize: 256 },
  bindings: () => [
    { binding: 0, name: 'params', kind: 'uniform' },
    { binding: 1, name: 'out', kind: 'storage' },
  ],
};

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

function sameAsOut(shape: readonly number[], out: readonly number[]): boolean {
  return shape.length === out.length && shape.every((d, i) => d === out[i]);
}

/** The WGSL of `functions`, checked: valid, distinct names. */
function functionsCode(functions: readonly WgslFunction[]): { code: string; arity: Map<string, number> } {
  const arity = new Map<string, number>();
  const code = functions.map((f) => {
    if (!IDENTIFIER.test(f.name) || f.name === 'main') throw new KernelShapeError(`fused pointwise function name "${f.name}" is not a usable WGSL identifier`);
    if (arity.has(f.name)) throw new KernelShapeError(`fused pointwise function "${f.name}" is given twice`);
    if (!Number.isInteger(f.arity) || f.arity < 1) throw new KernelShapeError(`fused pointwise function "${f.name}" needs at least one parameter, got arity ${f.arity}`);
    arity.set(f.name, f.arity);
    const params = Array.from({ length: f.arity }, (_, k) => `a${k}: f32`).join(', ');
    return `fn ${f.name}(${params}) -> f32 {\n  ${f.body.trim().split('\n').join('\n  ')}\n}`;
  });
  return { code: code.join('\n\n'), arity };
}

/** The launch of the fused group `program` over `shape`; binding `in_k` is named `in${k}` for the runner. */
export function fusedPointwiseKernel(program: FusedProgram, shape: FusedPointwiseShape, params: Partial<FusedPointwiseParams> = {}): KernelSource {
  const wg = params.workgroupSize ?? 256;
  const { out, inputs, scalars } = shape;
  const { terms } = program;
  if (terms.length === 0) throw new KernelShapeError('a fused pointwise kernel needs at least one term');
  if (inputs.length > MAX_FUSED_INPUTS) throw new KernelShapeError(`a fused pointwise kernel binds at most ${MAX_FUSED_INPUTS} inputs, got ${inputs.length}`);
  if (out.length > MAX_RANK) throw new KernelShapeError(`fused pointwise output rank ${out.length} exceeds ${MAX_RANK}`);
  const count = out.reduce((a, b) => a * b, 1);
  const broadcast = inputs.map((s) => !sameAsOut(s, out));
  const { code: functions, arity } = functionsCode(program.functions);

  const body = terms.map((t, k) => {
    let expr: string;
    if ('input' in t) {
      if (!(t.input >= 0 && t.input < inputs.length)) throw new KernelShapeError(`term ${k} reads input ${t.input} of ${inputs.length}`);
      expr = `in_${t.input}[${broadcast[t.input] ? `ix${t.input}` : 'i'}]`;
    } else if ('scalar' in t) {
      if (!(t.scalar >= 0 && t.scalar < scalars.length)) throw new KernelShapeError(`term ${k} reads scalar ${t.scalar} of ${scalars.length}`);
      expr = `params.s_${t.scalar}`;
    } else {
      const n = arity.get(t.call);
      if (n === undefined) throw new KernelShapeError(`term ${k} calls ${t.call}, which is not among the functions given`);
      if (t.args.length !== n) throw new KernelShapeError(`term ${k}: ${t.call} takes ${n} arguments, got ${t.args.length}`);
      if (t.args.some((a) => !Number.isInteger(a) || a < 0 || a >= k)) throw new KernelShapeError(`term ${k} (${t.call}) must use earlier terms, got [${t.args.join(',')}]`);
      expr = `${t.call}(${t.args.map((a) => `v${a}`).join(', ')})`;
    }
    return `  let v${k} = ${expr};`;
  });
  const strided = inputs.map((_, k) => k).filter((k) => broadcast[k]);
  const code = fillTemplate(
    WGSL.fused_pointwise,
    {
      PARAM_FIELDS: [...strided.map((k) => `  stride_${k}: array<vec4<u32>, 2>,`), ...scalars.map((_, k) => `  s_${k}: f32,`)].join('\n'),
      INPUT_BINDINGS: inputs.map((_, k) => `@group(0) @binding(${k + 2}) var<storage, read> in_${k}: array<f32>;`).join('\n'),
      FUNCTIONS: functions,
      INDEX_INIT: strided.map((k) => `  var ix${k} = 0u;`).join('\n'),
      INDEX_STEP: strided.map((k) => `    ix${k} += coord * params.stride_${k}[q][r];`).join('\n'),
      BODY: body.join('\n'),
      RESULT: `v${terms.length - 1}`,
      BROADCAST: strided.length > 0,
      WG_SIZE: wg,
    },
    'fused_pointwise.wgsl',
  );
  const bindings: KernelBinding[] = [
    { binding: 0, name: 'params', kind: 'uniform' },
    { binding: 1, name: 'out', kind: 'storage' },
    ...inputs.map((_, k): KernelBinding => ({ binding: k + 2, name: `in${k}`, kind: 'read-only-storage' })),
  ];
  const uniforms: UniformField[] = [
    { name: 'count', type: 'u32', value: count },
    { name: 'rank', type: 'u32', value: out.length },
    { name: 'out_shape', type: 'vec4u_x2', value: [...out] },
    ...strided.map((k): UniformField => ({ name: `stride_${k}`, type: 'vec4u_x2', value: broadcastStrides(inputs[k]!, out) })),
    ...scalars.map((v, k): UniformField => ({ name: `s_${k}`, type: 'f32', value: v })),
  ];
  const calls = terms.flatMap((t) => ('call' in t ? [t.call] : []));
  return {
    label: program.label ?? `fused_${calls.length}(${calls.length > 6 ? `${calls.slice(0, 5).join(',')},...` : calls.join(',')})`,
    code,
    entryPoint: 'main',
    workgroupSize: [wg, 1, 1],
    dispatch: dispatch1d(ceilDiv(count, wg)),
    bindings,
    uniforms,
  };
}
