/**
 * Generates one kernel for a tree of pointwise ops (fused_pointwise.wgsl): the tree is a list of terms
 * in evaluation order (inputs, scalars, unary and binary ops of the pointwise table), the last one the
 * result. The WGSL text depends only on the structure (ops, which inputs broadcast, how many scalars);
 * shapes, strides and scalar values go into the uniform, so a pipeline serves every tree of that shape.
 * Knows nothing of graphs: the WebGPU backend's fusion pass decides which ops form a tree.
 */
import { type KernelBinding, type KernelSource, type KernelSpec, KernelShapeError, ceilDiv, dispatch1d, type UniformField } from './kernel.js';
import { BINARY_WGSL, UNARY_WGSL, MAX_POINTWISE_RANK, broadcastStrides, isBinaryPointwise, type BinaryWgslOp, type UnaryWgslOp } from './pointwise.js';
import { fillTemplate } from './template.js';
import { WGSL } from './wgsl.gen.js';

/** One term of a fused tree; `args` index earlier terms. */
export type FusedTerm =
  | { readonly input: number }
  | { readonly scalar: number }
  | { readonly op: UnaryWgslOp; readonly args: readonly [number] }
  | { readonly op: BinaryWgslOp; readonly args: readonly [number, number] };

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
  ops: [...Object.keys(UNARY_WGSL), ...Object.keys(BINARY_WGSL)],
  defaults: { workgroupSize: 256 },
  bindings: () => [
    { binding: 0, name: 'params', kind: 'uniform' },
    { binding: 1, name: 'out', kind: 'storage' },
  ],
};

function sameAsOut(shape: readonly number[], out: readonly number[]): boolean {
  return shape.length === out.length && shape.every((d, i) => d === out[i]);
}

/** The launch of the fused tree `terms` over `shape`; binding `in_k` is named `in${k}` for the runner. */
export function fusedPointwiseKernel(terms: readonly FusedTerm[], shape: FusedPointwiseShape, params: Partial<FusedPointwiseParams> = {}): KernelSource {
  const wg = params.workgroupSize ?? 256;
  const { out, inputs, scalars } = shape;
  if (terms.length === 0) throw new KernelShapeError('a fused pointwise kernel needs at least one term');
  if (inputs.length > MAX_FUSED_INPUTS) throw new KernelShapeError(`a fused pointwise kernel binds at most ${MAX_FUSED_INPUTS} inputs, got ${inputs.length}`);
  if (out.length > MAX_POINTWISE_RANK) throw new KernelShapeError(`pointwise output rank ${out.length} exceeds ${MAX_POINTWISE_RANK}`);
  const count = out.reduce((a, b) => a * b, 1);
  const broadcast = inputs.map((s) => !sameAsOut(s, out));
  const anyBroadcast = broadcast.some(Boolean);

  const used = new Set<string>();
  const body: string[] = [];
  terms.forEach((t, k) => {
    let expr: string;
    if ('input' in t) {
      if (t.input < 0 || t.input >= inputs.length) throw new KernelShapeError(`term ${k} reads input ${t.input} of ${inputs.length}`);
      expr = `in_${t.input}[${broadcast[t.input] ? `ix${t.input}` : 'i'}]`;
    } else if ('scalar' in t) {
      if (t.scalar < 0 || t.scalar >= scalars.length) throw new KernelShapeError(`term ${k} reads scalar ${t.scalar} of ${scalars.length}`);
      expr = `params.s_${t.scalar}`;
    } else {
      if (t.args.some((a) => !Number.isInteger(a) || a < 0 || a >= k)) throw new KernelShapeError(`term ${k} (${t.op}) must use earlier terms, got [${t.args.join(',')}]`);
      const binary = isBinaryPointwise(t.op);
      if (binary !== (t.args.length === 2)) throw new KernelShapeError(`term ${k}: ${t.op} takes ${binary ? 2 : 1} arguments`);
      used.add(t.op);
      expr = `op_${t.op}(${t.args.map((a) => `v${a}`).join(', ')})`;
    }
    body.push(`  let v${k} = ${expr};`);
  });
  const functions = [...used].sort().map((op) =>
    isBinaryPointwise(op)
      ? `fn op_${op}(a: f32, b: f32) -> f32 { return ${BINARY_WGSL[op]}; }`
      : `fn op_${op}(a: f32) -> f32 { return ${(UNARY_WGSL as Record<string, string>)[op]}; }`,
  );
  const strided = inputs.map((_, k) => k).filter((k) => broadcast[k]);
  const code = fillTemplate(
    WGSL.fused_pointwise,
    {
      PARAM_FIELDS: [...strided.map((k) => `  stride_${k}: array<vec4<u32>, 2>,`), ...scalars.map((_, k) => `  s_${k}: f32,`)].join('\n'),
      INPUT_BINDINGS: inputs.map((_, k) => `@group(0) @binding(${k + 2}) var<storage, read> in_${k}: array<f32>;`).join('\n'),
      OP_FUNCTIONS: functions.join('\n'),
      INDEX_INIT: strided.map((k) => `  var ix${k} = 0u;`).join('\n'),
      INDEX_STEP: strided.map((k) => `    ix${k} += coord * params.stride_${k}[q][r];`).join('\n'),
      BODY: body.join('\n'),
      RESULT: `v${terms.length - 1}`,
      BROADCAST: anyBroadcast,
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
  const opNames = terms.flatMap((t) => ('op' in t ? [t.op] : []));
  return {
    label: `fused_${opNames.length}(${opNames.length > 6 ? `${opNames.slice(0, 5).join(',')},...` : opNames.join(',')})`,
    code,
    entryPoint: 'main',
    workgroupSize: [wg, 1, 1],
    dispatch: dispatch1d(ceilDiv(count, wg)),
    bindings,
    uniforms,
  };
}
