/**
 * The op -> kernel table of the WebGPU backend: for every primitive op of the core (typed
 * Record<OpName, ...>, so a new op that lacks a kernel fails to compile), the launches that compute one
 * plan value: kernels from @dogo/shaders-tensor with the buffers they bind, or plain buffer copies
 * (reshape, stop_gradient, same-type cast, identity layouts). Buffers are referred to by value index or
 * as one of two scratch buffers shared by the whole executable (multi-pass reductions). Knows nothing of
 * devices: compile_plan.ts turns launches into prepared dispatches.
 */
import { BINARY_OP_NAMES, UNARY_OP_NAMES, matmulDims, normalizeAxes, type BinaryOpName, type OpName, type PlanValue, type UnaryOpName } from '@dogo/core';
import {
  BINARY_WGSL, UNARY_WGSL, broadcastCopy, castKernel, concatCopies, contiguousStrides, conv2dBackwardDataKernel, conv2dBackwardWeightKernel, conv2dKernel,
  layoutKernel, matmulKernel, oneHotKernel, padCopy, pointwiseKernel, pool2dBackwardKernel, pool2dKernel, reduceKernel, reduceView, resizedCropKernel,
  sliceCopy, transposeCopy, type KernelSource, type PoolShape, type StridedCopy,
} from '@dogo/shaders-tensor';

/** A buffer of a launch: the buffer of plan value `value`, or shared scratch buffer 0 or 1. */
export type BufferRef = { readonly value: number } | { readonly scratch: 0 | 1 };

/** One kernel launch and the buffer bound to each of its bindings (by name, `params` excluded). */
export interface KernelLaunch {
  readonly kernel: KernelSource;
  readonly buffers: Readonly<Record<string, BufferRef>>;
}

/** A buffer-to-buffer copy of `bytes` bytes from the start of one buffer to the start of another. */
export interface CopyLaunch {
  readonly copy: { readonly from: BufferRef; readonly to: BufferRef; readonly bytes: number };
}

export type Launch = KernelLaunch | CopyLaunch;

/** What a table entry sees: the value to compute and its inputs. */
export interface OpContext {
  readonly v: PlanValue;
  readonly ins: readonly PlanValue[];
  /** Scratch buffer `k` holding at least `elements` 32-bit elements. */
  scratch(k: 0 | 1, elements: number): BufferRef;
}

/** The launches of one op; 'leaf' for ops bound to buffers instead (inputs, state, constants). */
export type OpKernel = ((ctx: OpContext) => Launch[]) | 'leaf';

// Every core pointwise op has a row in the WGSL pointwise table (a missing one fails to compile here).
const UNARY_ROWS: Record<UnaryOpName, string> = UNARY_WGSL;
const BINARY_ROWS: Record<BinaryOpName, string> = BINARY_WGSL;
void UNARY_ROWS;
void BINARY_ROWS;

const input = (ctx: OpContext, k: number): BufferRef => ({ value: ctx.ins[k]!.index });
const output = (ctx: OpContext): BufferRef => ({ value: ctx.v.index });

/** The whole input 0 copied to the output: layout-preserving ops. */
function copyInput(ctx: OpContext): Launch[] {
  return [{ copy: { from: input(ctx, 0), to: output(ctx), bytes: ctx.v.size * 4 } }];
}

function isIdentityCopy(c: StridedCopy): boolean {
  const contiguous = contiguousStrides(c.shape);
  return !c.pad && !c.srcOffset && !c.dstOffset && !c.dstStrides && c.shape.every((d, i) => d === 1 || c.srcStrides[i] === contiguous[i]);
}

/** A strided copy of input 0 into the output, or a buffer copy when the layout does not change. */
function stridedCopy(make: (ctx: OpContext) => StridedCopy): (ctx: OpContext) => Launch[] {
  return (ctx) => {
    const c = make(ctx);
    return isIdentityCopy(c) ? copyInput(ctx) : [{ kernel: layoutKernel(c), buffers: { src: input(ctx, 0), dst: output(ctx) } }];
  };
}

function unary(op: UnaryOpName): OpKernel {
  return (ctx) => [{ kernel: pointwiseKernel(op, { out: ctx.v.shape, a: ctx.ins[0]!.shape }), buffers: { a: input(ctx, 0), out: output(ctx) } }];
}

function binary(op: BinaryOpName): OpKernel {
  return (ctx) => [{
    kernel: pointwiseKernel(op, { out: ctx.v.shape, a: ctx.ins[0]!.shape, b: ctx.ins[1]!.shape }),
    buffers: { a: input(ctx, 0), b: input(ctx, 1), out: output(ctx) },
  }];
}

/**
 * sum / max over any axes: size-1 axes dropped, the rest merged into runs of adjacent axes, one reduce
 * launch per run from the last run to the first, ping-ponging between the two scratch buffers.
 */
function reduce(op: 'sum' | 'max'): OpKernel {
  return (ctx) => {
    let shape = [...ctx.ins[0]!.shape];
    const axes = normalizeAxes(ctx.v.attrs['axes'] as number[], shape.length).filter((a) => shape[a] !== 1);
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

type Pair = readonly [number, number];
type Quad = readonly [number, number, number, number];
const pair = (v: unknown): Pair => v as Pair;
const quad = (v: unknown): Quad => v as Quad;

function poolShape(x: readonly number[], attrs: PlanValue['attrs']): PoolShape {
  return { x: quad(x), kernel: pair(attrs['kernel']), stride: pair(attrs['stride']), padding: pair(attrs['padding']) };
}

const pointwiseEntries = {
  ...(Object.fromEntries(UNARY_OP_NAMES.map((op) => [op, unary(op)])) as Record<UnaryOpName, OpKernel>),
  ...(Object.fromEntries(BINARY_OP_NAMES.map((op) => [op, binary(op)])) as Record<BinaryOpName, OpKernel>),
};

/** Every primitive op's launches. */
export const OP_KERNELS: Record<OpName, OpKernel> = {
  input: 'leaf',
  state: 'leaf',
  constant: 'leaf',
  fill: 'leaf',
  ...pointwiseEntries,
  sum: reduce('sum'),
  max: reduce('max'),
  reshape: copyInput,
  stop_gradient: copyInput,
  transpose: stridedCopy((ctx) => transposeCopy(ctx.ins[0]!.shape, ctx.v.attrs['perm'] as number[])),
  broadcast_to: stridedCopy((ctx) => broadcastCopy(ctx.ins[0]!.shape, ctx.v.shape)),
  slice: stridedCopy((ctx) => sliceCopy(ctx.ins[0]!.shape, ctx.v.attrs['begin'] as number[], ctx.v.attrs['size'] as number[])),
  pad: stridedCopy((ctx) => padCopy(ctx.ins[0]!.shape, ctx.v.attrs['before'] as number[], ctx.v.attrs['after'] as number[])),
  concat: (ctx) => {
    const rank = ctx.v.shape.length;
    const axis = (ctx.v.attrs['axis'] as number) < 0 ? (ctx.v.attrs['axis'] as number) + rank : (ctx.v.attrs['axis'] as number);
    const copies = concatCopies(ctx.ins.map((x) => x.shape), axis);
    return copies.flatMap((c, k) => (ctx.ins[k]!.size === 0 ? [] : [{ kernel: layoutKernel(c), buffers: { src: input(ctx, k), dst: output(ctx) } }]));
  },
  matmul: (ctx) => {
    const attrs = { transposeA: !!ctx.v.attrs['transposeA'], transposeB: !!ctx.v.attrs['transposeB'] };
    const { m, n, k } = matmulDims(ctx.ins[0]!.shape, ctx.ins[1]!.shape, attrs);
    return [{ kernel: matmulKernel({ m, n, k }, attrs), buffers: { a: input(ctx, 0), b: input(ctx, 1), c: output(ctx) } }];
  },
  conv2d: (ctx) => [{
    kernel: conv2dKernel({ x: quad(ctx.ins[0]!.shape), weight: quad(ctx.ins[1]!.shape), stride: pair(ctx.v.attrs['stride']), padding: pair(ctx.v.attrs['padding']) }),
    buffers: { x: input(ctx, 0), weight: input(ctx, 1), y: output(ctx) },
  }],
  conv2d_backward_data: (ctx) => [{
    kernel: conv2dBackwardDataKernel({ x: quad(ctx.v.attrs['inputShape']), weight: quad(ctx.ins[1]!.shape), stride: pair(ctx.v.attrs['stride']), padding: pair(ctx.v.attrs['padding']) }),
    buffers: { dy: input(ctx, 0), weight: input(ctx, 1), dx: output(ctx) },
  }],
  conv2d_backward_weight: (ctx): Launch[] => {
    const { kernel, split, weightSize } = conv2dBackwardWeightKernel({ x: quad(ctx.ins[0]!.shape), weight: quad(ctx.v.attrs['weightShape']), stride: pair(ctx.v.attrs['stride']), padding: pair(ctx.v.attrs['padding']) });
    if (split.splits === 1) return [{ kernel, buffers: { x: input(ctx, 0), dy: input(ctx, 1), dweight: output(ctx) } }];
    // Split-K: partial weight gradients in scratch 0, then their sum.
    const partials = ctx.scratch(0, split.splits * weightSize);
    return [
      { kernel, buffers: { x: input(ctx, 0), dy: input(ctx, 1), dweight: partials } },
      { kernel: reduceKernel('sum', { outer: 1, reduce: split.splits, inner: weightSize }), buffers: { x: partials, out: output(ctx) } },
    ];
  },
  max_pool2d: (ctx) => [{ kernel: pool2dKernel('max', poolShape(ctx.ins[0]!.shape, ctx.v.attrs)), buffers: { x: input(ctx, 0), y: output(ctx) } }],
  avg_pool2d: (ctx) => [{ kernel: pool2dKernel('avg', poolShape(ctx.ins[0]!.shape, ctx.v.attrs)), buffers: { x: input(ctx, 0), y: output(ctx) } }],
  max_pool2d_backward: (ctx) => [{
    kernel: pool2dBackwardKernel('max', poolShape(ctx.ins[0]!.shape, ctx.v.attrs)),
    buffers: { x: input(ctx, 0), dy: input(ctx, 1), dx: output(ctx) },
  }],
  avg_pool2d_backward: (ctx) => [{
    kernel: pool2dBackwardKernel('avg', poolShape(ctx.v.attrs['inputShape'] as number[], ctx.v.attrs)),
    buffers: { dy: input(ctx, 0), dx: output(ctx) },
  }],
  one_hot: (ctx) => [{ kernel: oneHotKernel(ctx.ins[0]!.size, ctx.v.attrs['depth'] as number), buffers: { labels: input(ctx, 0), out: output(ctx) } }],
  cast: (ctx) => {
    const src = ctx.ins[0]!.dtype === 'int32' ? 'i32' : 'f32';
    const dst = ctx.v.dtype === 'int32' ? 'i32' : 'f32';
    return src === dst ? copyInput(ctx) : [{ kernel: castKernel(ctx.v.size, src, dst), buffers: { x: input(ctx, 0), out: output(ctx) } }];
  },
  resized_crop: (ctx) => [{
    kernel: resizedCropKernel(ctx.ins[0]!.shape, ctx.v.attrs['size'] as number[]),
    buffers: { x: input(ctx, 0), boxes: input(ctx, 1), y: output(ctx) },
  }],
};
