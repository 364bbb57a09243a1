/**
 * How a fused step of the plan becomes one fused_pointwise launch, and the fusion rules that keep every
 * fused step within what that kernel does (one output, no reductions, at most MAX_FUSED_INPUTS input
 * buffers). The step's dataflow comes from the core (groupProgram): each operand becomes an input buffer
 * read with broadcast strides, or a uniform scalar when it is a fill or one-element constant; each
 * pointwise instruction becomes a call of its WGSL function (pointwise_wgsl.ts) with its numeric
 * attributes as further uniform scalars. Knows nothing of devices. Internal to the backend.
 */
import { groupProgram, pointwiseKey, scalarConstantValue, type FusedStep, type FusionRules, type GroupArg, type Plan, type Shape } from '@dogo/core';
import { MAX_FUSED_INPUTS, fusedPointwiseKernel, type FusedTerm, type WgslFunction } from '@dogo/shaders-tensor';
import type { BufferRef, KernelLaunch } from './launch.js';
import { pointwiseFunction } from './pointwise_wgsl.js';

/** The WebGPU backend's fusion rules for createPlan: groups of pointwise ops with one output and no reductions. */
export const WEBGPU_FUSION_RULES: FusionRules = { reduceInGroups: false, merge: false, maxGroupInputs: MAX_FUSED_INPUTS };

/** The launch of fused step `step`: its group as one generated kernel writing the step's root. */
export function fusedLaunch(plan: Plan, step: FusedStep): KernelLaunch {
  const program = groupProgram(plan.values, plan.storage, step);
  const terms: FusedTerm[] = [];
  const inputs: Shape[] = [];
  const scalars: number[] = [];
  const buffers: Record<string, BufferRef> = {};
  const scalarTerm = (value: number) => terms.push({ scalar: scalars.push(value) - 1 }) - 1;
  const operandTerms = program.operands.map((o) => {
    const value = scalarConstantValue(plan.values[o.owner]!);
    if (value !== undefined) return scalarTerm(value);
    buffers[`in${inputs.length}`] = { value: o.owner };
    return terms.push({ input: inputs.push(o.shape) - 1 }) - 1;
  });
  const instrTerms = new Map<number, number>();
  const termOf = (a: GroupArg): number => ('operand' in a ? operandTerms[a.operand]! : instrTerms.get(a.instr)!);
  // functions in first-use order, each helper before its first caller
  const functions = new Map<string, WgslFunction>();
  const calls: string[] = [];
  let root: { value: number; term: number } | null = null;
  for (const [k, instr] of program.instrs.entries()) {
    if (instr.kind === 'pointwise') {
      const { fn, helpers } = pointwiseFunction(instr.call);
      for (const f of [...helpers, fn]) if (!functions.has(f.name)) functions.set(f.name, f);
      const args = instr.args.map(termOf);
      const params = instr.call.params.map(scalarTerm);
      instrTerms.set(k, terms.push({ call: fn.name, args: [...args, ...params] }) - 1);
      calls.push(pointwiseKey(instr.call));
    } else if (instr.kind === 'store') {
      if (root) throw new Error(`a fused step writes one value on WebGPU, this one writes #${root.value} and #${instr.value} (WEBGPU_FUSION_RULES sets merge: false)`);
      root = { value: instr.value, term: termOf(instr.arg) };
    } else {
      throw new Error(`a fused step cannot reduce on WebGPU (WEBGPU_FUSION_RULES sets reduceInGroups: false); got a ${instr.op} into #${instr.value}`);
    }
  }
  if (!root) throw new Error('a fused step that stores nothing');
  const { value, term } = root;
  if (term !== terms.length - 1) throw new Error(`the stored value #${value} is not the last term of its fused kernel`);
  const label = `fused_${calls.length}(${calls.length > 6 ? `${calls.slice(0, 5).join(',')},...` : calls.join(',')})`;
  const kernel = fusedPointwiseKernel({ functions: [...functions.values()], terms, label }, { out: program.shape, inputs, scalars });
  return { kernel, buffers: { out: { value }, ...buffers } };
}
