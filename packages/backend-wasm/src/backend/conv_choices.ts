/**
 * The algorithm of every convolution step of a plan, chosen before any launch is recorded: the plan's
 * conv2d and conv2d_backward_data steps (and weight gradients, which have one candidate) are read as
 * shapes, each distinct shape is resolved once (tuning/conv_tuner.ts: forced, the fixed rule, the cache, or
 * timed now), and the executable records what it used. Internal to the backend.
 */
import { attrsOf, type Plan, type PlanValue } from '@dogo/core';
import type { Conv2dAlgorithm, Conv2dDirection, Conv2dGeometry } from '../runtime/conv2d.js';
import type { WasmRuntime } from '../runtime/wasm_runtime.js';
import { chooseConvAlgorithm, type ConvChoice, type ConvShape, type ConvTuningOptions } from '../tuning/conv_tuner.js';

/** One convolution step and the algorithm it runs. */
export interface ConvStepChoice extends ConvChoice {
  /** Plan value index. */
  readonly value: number;
  /** The node's label (the layer, for gradients too) or its description. */
  readonly label: string;
  readonly shape: ConvShape;
}

type Quad = readonly [number, number, number, number];

function geometry(x: readonly number[], w: readonly number[], a: { readonly stride: readonly number[]; readonly padding: readonly number[] }): Conv2dGeometry {
  const [n, c, h, wd] = x as unknown as Quad, [o, , kh, kw] = w as unknown as Quad;
  return { n, c, h, w: wd, o, kh, kw, strideH: a.stride[0]!, strideW: a.stride[1]!, padH: a.padding[0]!, padW: a.padding[1]! };
}

/** The convolution shape a plan value computes, or null for other ops. */
export function convShapeOf(plan: Plan, v: PlanValue): ConvShape | null {
  const inp = (k: number) => plan.values[v.inputs[k]!]!.shape;
  const conv = (direction: Conv2dDirection, g: Conv2dGeometry): ConvShape => ({ ...g, direction });
  if (v.op === 'conv2d') return conv('forward', geometry(inp(0), inp(1), attrsOf(v, 'conv2d')));
  if (v.op === 'conv2d_backward_data') {
    const a = attrsOf(v, 'conv2d_backward_data');
    return conv('backward_data', geometry(a.inputShape, inp(1), a));
  }
  if (v.op === 'conv2d_backward_weight') {
    const a = attrsOf(v, 'conv2d_backward_weight');
    return conv('backward_weight', geometry(inp(0), a.weightShape, a));
  }
  return null;
}

/** Chooses the algorithm of every convolution step in `plan` (one decision per distinct shape, one at a time). */
export async function chooseConvAlgorithms(rt: WasmRuntime, plan: Plan, o: ConvTuningOptions): Promise<ConvStepChoice[]> {
  const byShape = new Map<string, ConvChoice>();
  const out: ConvStepChoice[] = [];
  for (const step of plan.steps) {
    if (step.kind !== 'kernel') continue;
    const v = plan.values[step.value]!;
    const shape = convShapeOf(plan, v);
    if (!shape) continue;
    const key = JSON.stringify(shape);
    let choice = byShape.get(key);
    if (!choice) {
      choice = await chooseConvAlgorithm(rt, shape, o);
      byShape.set(key, choice);
    }
    out.push({ ...choice, value: v.index, label: v.node.label ?? String(v.node), shape });
  }
  return out;
}

/** value index -> algorithm, for the emitters. */
export function algorithmMap(choices: readonly ConvStepChoice[]): Map<number, Conv2dAlgorithm> {
  return new Map(choices.map((c) => [c.value, c.algorithm]));
}
