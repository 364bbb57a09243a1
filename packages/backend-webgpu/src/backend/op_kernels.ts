/**
 * The op -> kernel table of the WebGPU backend for kernel steps: every op that reaches a kernel step
 * under WEBGPU_FUSION_RULES (the core's kernel ops, reductions, materialised broadcasts), typed over
 * exactly those names, so a new kernel op without a kernel here fails to compile. An entry gives the
 * launches that compute one plan value: kernels from @dogo/shaders-tensor with the buffers they bind, or
 * plain buffer copies (same-type cast, identity layouts). Attributes are read with the core's attrsOf.
 * Pointwise ops are not here: they run as fused steps (fused_launch.ts), and views (reshape,
 * stop_gradient) need no launch. GEMM-shaped steps take a tuned tiling, split-K factor or stride-phase choice
 * from the context when tuning made one. Knows nothing of devices: compile_plan.ts binds the buffers.
 */
import {
  BROADCAST_OP_NAMES, KERNEL_OP_NAMES, REDUCE_OP_NAMES, attrsOf, matmulDims, momentsView, normalizeAxes,
  type BroadcastOpName, type KernelOpName, type PlanValue, type ReduceOpName, type Shape,
} from '@dogo/core';
import {
  GEMM_TILINGS, broadcastCopy, castKernel, concatCopies, contiguousStrides, conv2dBackwardDataKernel, conv2dBackwardWeightKernel, conv2dKernel, layoutKernel,
  matmulKernel, momentsKernel, oneHotKernel, padCopy, pool2dBackwardKernel, pool2dKernel, reduceKernel, reduceView, resizedCropKernel, sliceCopy,
  transposeCopy, type CastType, type ConvShape, type PoolShape, type StridedCopy,
} from '@dogo/shaders-tensor';
import type { BufferRef, Launch } from './launch.js';
import type { GemmChoice } from '../tuning/gemm_choice.js';

/** The ops that reach kernel steps on this backend. */
export type KernelStepOp = KernelOpName | ReduceOpName | BroadcastOpName;

const KERNEL_STEP_OPS = new Set<string>([...KERNEL_OP_NAMES, ...REDUCE_OP_NAMES, ...BROADCAST_OP_NAMES]);

/** True for ops that OP_KERNELS serves. */
export function isKernelStepOp(op: string): op is KernelStepOp {
  return KERNEL_STEP_OPS.has(op);
}

/** What a table entry sees: the value to compute and its inputs (their shapes as the op reads them). */
export interface OpContext {
  readonly v: PlanValue;
  readonly ins: readonly PlanValue[];
  /** Scratch buffer `k` holding at least `elements` 32-bit elements. */
  scratch(k: 0 | 1, elements: number): BufferRef;
  /** The tuned variant of a GEMM-shaped step (tuning/gemm_choice.ts); absent: the kernels' fixed rules. */
  readonly choice?: GemmChoice;
}

/** The tiling of a tuned step, as the specs' parameter. */
const tilingOf = (ctx: OpContext) => (ctx.choice ? { tiling: GEMM_TILINGS[ctx.choice.tiling] } : {});

/** The launches of one kernel step. */
export type OpKernel = (ctx: OpContext) => Launch[];

const input = (ctx: OpContext, k: number): BufferRef => ({ value: ctx.ins[k]!.index });
const output = (ctx: OpContext): BufferRef => ({ value: ctx.v.index });

/** The whole input 0 copied to the output: ops that do not change the elements. */
function copyInput(ctx: OpContext): Launch[] {
  return [{ copy: { from: input(ctx, 0), to: output(ctx), bytes: ctx.v.size * 4 } }];
}

function isIdentityCopy(c: StridedCopy): boolean {
  const contiguous = contiguousStrides(c.shape);
  return !c.pad && !c.srcOffset && !c.dstOffset && !c.dstStrides && c.shape.every((d, i) => d === 1 || c.srcStrides[i] === contiguous[i]);
}

/** A strided copy of input 0 into the output, or a buffer copy when the layout does not change. */
function stridedCopy(make: (ctx: OpContext) => StridedCopy): OpKernel {
  return (ctx) => {
    const c = make(ctx);
    return isIdentityCopy(c) ? copyInput(ctx) : [{ kernel: layoutKernel(c), buffers: { src: input(ctx, 0), dst: output(ctx) } }];
  };
}

/**
 * sum / max over any axes: size-1 axes dropped, the rest merged into runs of adjacent axes, one reduce
 * launch per run from the last run to the first, ping-ponging between the two scratch buffers.
 */
function reduce(op: ReduceOpName): OpKernel {
  return (ctx) => {
    let shape = [...ctx.ins[0]!.shape];
    const axes = normalizeAxes(attrsOf(ctx.v, op).axes, shape.length).filter((a) => shape[a] !== 1);
    if (axes.length === 0) return copyInput(ctx);
    const runs: [number, number][] = [];
    for (const a of axes) {
      const last = runs[runs.length - 1];
      if (last && last[1] === a) last[1] = a + 1;
      else runs.push([a, a + 1]);
    }
    const launches: Launch[] = [];
    let src = input(ctx, 0);
    for (let k = runs.length - 1, step = 0; k >= 0; k--, step++) {
      const [from, to] = runs[k]!;
      const view = reduceView(shape, from, to);
      shape = [...shape.slice(0, from), ...shape.slice(to)];
      const dst = k === 0 ? output(ctx) : ctx.scratch((step % 2) as 0 | 1, view.outer * view.inner);
      launches.push({ kernel: reduceKernel(op, view), buffers: { x: src, out: dst } });
      src = dst;
    }
    return launches;
  };
}

/** A two-element attribute (stride, padding, kernel window) as the specs' pair. */
function pair(v: readonly number[]): [number, number] {
  if (v.length !== 2) throw new RangeError(`expected 2 values, got [${v.join(', ')}]`);
  return [v[0]!, v[1]!];
}

/** An NCHW shape as the specs' 4-tuple. */
function nchw(s: Shape): [number, number, number, number] {
  if (s.length !== 4) throw new RangeError(`expected an NCHW shape, got [${s.join(', ')}]`);
  return [s[0]!, s[1]!, s[2]!, s[3]!];
}

function convShape(x: Shape, weight: Shape, a: { readonly stride: readonly number[]; readonly padding: readonly number[] }): ConvShape {
  return { x: nchw(x), weight: nchw(weight), stride: pair(a.stride), padding: pair(a.padding) };
}

function poolShape(x: Shape, a: { readonly kernel: readonly number[]; readonly stride: readonly number[]; readonly padding: readonly number[] }): PoolShape {
  return { x: nchw(x), kernel: pair(a.kernel), stride: pair(a.stride), padding: pair(a.padding) };
}

/** Every kernel step's launches. */
export const OP_KERNELS: { readonly [K in KernelStepOp]: OpKernel } = {
  sum: reduce('sum'),
  max: reduce('max'),
  broadcast_to: stridedCopy((ctx) => broadcastCopy(ctx.ins[0]!.shape, attrsOf(ctx.v, 'broadcast_to').shape)),
  transpose: stridedCopy((ctx) => transposeCopy(ctx.ins[0]!.shape, attrsOf(ctx.v, 'transpose').perm)),
  slice: stridedCopy((ctx) => {
    const a = attrsOf(ctx.v, 'slice');
    return sliceCopy(ctx.ins[0]!.shape, a.begin, a.size);
  }),
  pad: stridedCopy((ctx) => {
    const a = attrsOf(ctx.v, 'pad');
    return padCopy(ctx.ins[0]!.shape, a.before, a.after);
  }),
  concat: (ctx) => {
    const axis = normalizeAxes([attrsOf(ctx.v, 'concat').axis], ctx.v.shape.length)[0]!;
    const copies = concatCopies(ctx.ins.map((x) => x.shape), axis);
    return copies.flatMap((c, k) => (ctx.ins[k]!.size === 0 ? [] : [{ kernel: layoutKernel(c), buffers: { src: input(ctx, k), dst: output(ctx) } }]));
  },
  matmul: (ctx) => {
    const a = attrsOf(ctx.v, 'matmul');
    const { m, n, k } = matmulDims(ctx.ins[0]!.shape, ctx.ins[1]!.shape, a);
    return [{ kernel: matmulKernel({ m, n, k }, { transposeA: a.transposeA, transposeB: a.transposeB, ...tilingOf(ctx) }), buffers: { a: input(ctx, 0), b: input(ctx, 1), c: output(ctx) } }];
  },
  conv2d: (ctx) => [{
    kernel: conv2dKernel(convShape(ctx.ins[0]!.shape, ctx.ins[1]!.shape, attrsOf(ctx.v, 'conv2d')), tilingOf(ctx)),
    buffers: { x: input(ctx, 0), weight: input(ctx, 1), y: output(ctx) },
  }],
  conv2d_backward_data: (ctx) => {
    const a = attrsOf(ctx.v, 'conv2d_backward_data');
    const phases = ctx.choice?.phases === undefined ? {} : { phases: ctx.choice.phases };
    return [{ kernel: conv2dBackwardDataKernel(convShape(a.inputShape, ctx.ins[1]!.shape, a), { ...tilingOf(ctx), ...phases }), buffers: { dy: input(ctx, 0), weight: input(ctx, 1), dx: output(ctx) } }];
  },
  conv2d_backward_weight: (ctx): Launch[] => {
    const a = attrsOf(ctx.v, 'conv2d_backward_weight');
    const splits = ctx.choice?.splits === undefined ? {} : { splits: ctx.choice.splits };
    const { kernel, split, weightSize } = conv2dBackwardWeightKernel(convShape(ctx.ins[0]!.shape, a.weightShape, a), { ...tilingOf(ctx), ...splits });
    if (split.splits === 1) return [{ kernel, buffers: { x: input(ctx, 0), dy: input(ctx, 1), dweight: output(ctx) } }];
    // Split-K: partial weight gradients in scratch 0, then their sum.
    const partials = ctx.scratch(0, split.splits * weightSize);
    return [
      { kernel, buffers: { x: input(ctx, 0), dy: input(ctx, 1), dweight: partials } },
      { kernel: reduceKernel('sum', { outer: 1, reduce: split.splits, inner: weightSize }), buffers: { x: partials, out: output(ctx) } },
    ];
  },
  max_pool2d: (ctx) => [{ kernel: pool2dKernel('max', poolShape(ctx.ins[0]!.shape, attrsOf(ctx.v, 'max_pool2d'))), buffers: { x: input(ctx, 0), y: output(ctx) } }],
  avg_pool2d: (ctx) => [{ kernel: pool2dKernel('avg', poolShape(ctx.ins[0]!.shape, attrsOf(ctx.v, 'avg_pool2d'))), buffers: { x: input(ctx, 0), y: output(ctx) } }],
  max_pool2d_backward: (ctx) => [{
    kernel: pool2dBackwardKernel('max', poolShape(ctx.ins[0]!.shape, attrsOf(ctx.v, 'max_pool2d_backward'))),
    buffers: { x: input(ctx, 0), dy: input(ctx, 1), dx: output(ctx) },
  }],
  avg_pool2d_backward: (ctx) => {
    const a = attrsOf(ctx.v, 'avg_pool2d_backward');
    return [{ kernel: pool2dBackwardKernel('avg', poolShape(a.inputShape, a)), buffers: { dy: input(ctx, 0), dx: output(ctx) } }];
  },
  moments: (ctx) => [{
    kernel: momentsKernel(momentsView(ctx.ins[0]!.shape, attrsOf(ctx.v, 'moments').axes)),
    buffers: { x: input(ctx, 0), out: output(ctx) },
  }],
  one_hot: (ctx) => [{ kernel: oneHotKernel(ctx.ins[0]!.size, attrsOf(ctx.v, 'one_hot').depth), buffers: { labels: input(ctx, 0), out: output(ctx) } }],
  cast: (ctx) => {
    const type = (v: PlanValue): CastType => (v.dtype === 'int32' ? 'i32' : 'f32');
    const [src, dst] = [type(ctx.ins[0]!), type(ctx.v)];
    return src === dst ? copyInput(ctx) : [{ kernel: castKernel(ctx.v.size, src, dst), buffers: { x: input(ctx, 0), out: output(ctx) } }];
  },
  resized_crop: (ctx) => [{
    kernel: resizedCropKernel(ctx.ins[0]!.shape, attrsOf(ctx.v, 'resized_crop').size),
    buffers: { x: input(ctx, 0), boxes: input(ctx, 1), y: output(ctx) },
  }],
};
