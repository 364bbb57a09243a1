/**
 * Emitters of the kernel steps, one row per op that reaches one on this backend (typed over KernelOpName and
 * broadcast_to, so a kernel op without a row fails to compile; reductions always run in fused groups here).
 * Each records launches on the runtime: GEMM and convolutions (with the algorithm conv_choices.ts chose), pooling, the moments kernel, strided copies
 * for layout ops and stored broadcasts, and host loops for the rare small ops (one_hot, cast, resized_crop),
 * which run on the dispatching thread inside the replayed list. Attributes are read through attrsOf.
 * Internal to the backend.
 */
import { attrsOf, matmulDims, momentsView, sizeOf, stridesOf, type BroadcastOpName, type KernelOpName, type PlanValue, type Shape } from '@dogo/core';
import type { EmitEnv } from './emit_env.js';

type Emitter = (env: EmitEnv, v: PlanValue) => void;

const addrOf = (env: EmitEnv, i: number) => env.addr(i);
const inputOf = (env: EmitEnv, v: PlanValue, k: number) => env.plan.values[v.inputs[k]!]!;

/**
 * Records y[i . yStrides] = x[i . xStrides] over `dims` (4-byte elements, strides in elements), collapsing
 * dims that are contiguous in both and splitting ranks above four into several launches.
 */
function emitCopy(env: EmitEnv, dims: Shape, x: number, xStrides: readonly number[], y: number, yStrides: readonly number[]): void {
  if (sizeOf(dims) === 0) return;
  const d: number[] = [], xs: number[] = [], ys: number[] = [];
  dims.forEach((n, ax) => {
    if (n === 1) return;
    const k = d.length - 1;
    if (k >= 0 && xs[k] === xStrides[ax]! * n && ys[k] === yStrides[ax]! * n) {
      d[k]! *= n;
      xs[k] = xStrides[ax]!;
      ys[k] = yStrides[ax]!;
    } else {
      d.push(n); xs.push(xStrides[ax]!); ys.push(yStrides[ax]!);
    }
  });
  while (d.length < 4) { d.unshift(1); xs.unshift(0); ys.unshift(0); }
  const lead = d.length - 4;
  const leadDims = d.slice(0, lead);
  const count = leadDims.reduce((a, b) => a * b, 1);
  for (let li = 0; li < count; li++) {
    let rem = li, xo = 0, yo = 0;
    for (let k = lead - 1; k >= 0; k--) {
      const q = rem % leadDims[k]!;
      rem = (rem - q) / leadDims[k]!;
      xo += q * xs[k]!;
      yo += q * ys[k]!;
    }
    env.rt.copy4d({
      x: x + 4 * xo, y: y + 4 * yo,
      dims: d.slice(lead) as [number, number, number, number],
      xStrides: xs.slice(lead) as [number, number, number, number],
      yStrides: ys.slice(lead) as [number, number, number, number],
    });
  }
}

function fillHost(env: EmitEnv, at: number, count: number, value: number): void {
  const { rt } = env;
  const from = at / 4, to = from + count;
  rt.host('fill', () => { rt.memoryF32().fill(value, from, to); });
}

type Quad = readonly [number, number, number, number];
const quad = (s: Shape): Quad => s as unknown as Quad;

const conv = (a: { readonly stride: readonly number[]; readonly padding: readonly number[] }, x: Shape, w: Shape) => {
  const [n, c, h, wd] = quad(x);
  const [o, , kh, kw] = quad(w);
  return { n, c, h, w: wd, o, kh, kw, strideH: a.stride[0]!, strideW: a.stride[1]!, padH: a.padding[0]!, padW: a.padding[1]! };
};

const pool = (a: { readonly kernel: readonly number[]; readonly stride: readonly number[]; readonly padding: readonly number[] }, x: Shape) => {
  const [n, c, h, w] = quad(x);
  return { planes: n * c, h, w, kh: a.kernel[0]!, kw: a.kernel[1]!, strideH: a.stride[0]!, strideW: a.stride[1]!, padH: a.padding[0]!, padW: a.padding[1]! };
};

export const KERNELS: Record<KernelOpName | BroadcastOpName, Emitter> = {
  matmul: (env, v) => {
    const [a, b] = v.inputs.map((i) => env.plan.values[i]!) as [PlanValue, PlanValue];
    const { transposeA: tA, transposeB: tB } = attrsOf(v, 'matmul');
    const { m, k, n } = matmulDims(a.shape, b.shape, { transposeA: tA, transposeB: tB });
    if (m === 0 || n === 0) return;
    env.rt.gemm({ m, n, k, a: addrOf(env, a.index), b: addrOf(env, b.index), c: addrOf(env, v.index), transposeA: tA, transposeB: tB });
  },
  conv2d: (env, v) => {
    const [x, w] = v.inputs.map((i) => env.plan.values[i]!) as [PlanValue, PlanValue];
    env.rt.conv2dForward({ ...conv(attrsOf(v, 'conv2d'), x.shape, w.shape), x: addrOf(env, x.index), weight: addrOf(env, w.index), y: addrOf(env, v.index), algorithm: env.convAlgorithm(v.index) });
  },
  conv2d_backward_data: (env, v) => {
    const [dy, w] = v.inputs.map((i) => env.plan.values[i]!) as [PlanValue, PlanValue];
    const a = attrsOf(v, 'conv2d_backward_data');
    env.rt.conv2dBackwardData({ ...conv(a, a.inputShape, w.shape), dy: addrOf(env, dy.index), weight: addrOf(env, w.index), dx: addrOf(env, v.index), algorithm: env.convAlgorithm(v.index) });
  },
  conv2d_backward_weight: (env, v) => {
    const [x, dy] = v.inputs.map((i) => env.plan.values[i]!) as [PlanValue, PlanValue];
    const a = attrsOf(v, 'conv2d_backward_weight');
    env.rt.conv2dBackwardWeight({ ...conv(a, x.shape, a.weightShape), x: addrOf(env, x.index), dy: addrOf(env, dy.index), dw: addrOf(env, v.index), algorithm: env.convAlgorithm(v.index) });
  },
  max_pool2d: (env, v) => {
    const x = env.plan.values[v.inputs[0]!]!;
    env.rt.maxPool2dForward({ ...pool(attrsOf(v, 'max_pool2d'), x.shape), x: addrOf(env, x.index), y: addrOf(env, v.index) });
  },
  max_pool2d_backward: (env, v) => {
    const [x, dy] = v.inputs.map((i) => env.plan.values[i]!) as [PlanValue, PlanValue];
    env.rt.maxPool2dBackward({ ...pool(attrsOf(v, 'max_pool2d_backward'), x.shape), x: addrOf(env, x.index), dy: addrOf(env, dy.index), dx: addrOf(env, v.index) });
  },
  avg_pool2d: (env, v) => {
    const x = env.plan.values[v.inputs[0]!]!;
    env.rt.avgPool2dForward({ ...pool(attrsOf(v, 'avg_pool2d'), x.shape), x: addrOf(env, x.index), y: addrOf(env, v.index) });
  },
  avg_pool2d_backward: (env, v) => {
    const dy = env.plan.values[v.inputs[0]!]!;
    const a = attrsOf(v, 'avg_pool2d_backward');
    env.rt.avgPool2dBackward({ ...pool(a, a.inputShape), dy: addrOf(env, dy.index), dx: addrOf(env, v.index) });
  },
  transpose: (env, v) => {
    const x = env.plan.values[v.inputs[0]!]!;
    const { perm } = attrsOf(v, 'transpose');
    const inSt = stridesOf(x.shape);
    emitCopy(env, v.shape, addrOf(env, x.index), perm.map((p) => inSt[p]!), addrOf(env, v.index), stridesOf(v.shape));
  },
  slice: (env, v) => {
    const x = env.plan.values[v.inputs[0]!]!;
    const { begin } = attrsOf(v, 'slice');
    const inSt = stridesOf(x.shape);
    const off = begin.reduce((acc, b, d) => acc + b * inSt[d]!, 0);
    emitCopy(env, v.shape, addrOf(env, x.index) + 4 * off, inSt, addrOf(env, v.index), stridesOf(v.shape));
  },
  pad: (env, v) => {
    const x = env.plan.values[v.inputs[0]!]!;
    const { before } = attrsOf(v, 'pad');
    const outSt = stridesOf(v.shape);
    fillHost(env, addrOf(env, v.index), v.size, 0);
    const off = before.reduce((acc, b, d) => acc + b * outSt[d]!, 0);
    emitCopy(env, x.shape, addrOf(env, x.index), stridesOf(x.shape), addrOf(env, v.index) + 4 * off, outSt);
  },
  concat: (env, v) => {
    const { axis: a } = attrsOf(v, 'concat');
    const axis = a < 0 ? a + v.shape.length : a;
    const outSt = stridesOf(v.shape);
    let start = 0;
    for (const i of v.inputs) {
      const x = env.plan.values[i]!;
      emitCopy(env, x.shape, addrOf(env, x.index), stridesOf(x.shape), addrOf(env, v.index) + 4 * start * outSt[axis]!, outSt);
      start += x.shape[axis]!;
    }
  },
  one_hot: (env, v) => {
    const x = env.plan.values[v.inputs[0]!]!;
    const { depth } = attrsOf(v, 'one_hot');
    const { rt } = env;
    const src = addrOf(env, x.index) / 4, dst = addrOf(env, v.index) / 4, n = x.size;
    rt.host('one_hot', () => {
      const f = rt.memoryF32(), idx = rt.memoryI32();
      f.fill(0, dst, dst + n * depth);
      for (let k = 0; k < n; k++) {
        const c = idx[src + k]!;
        if (c >= 0 && c < depth) f[dst + k * depth + c] = 1;
      }
    });
  },
  cast: (env, v) => {
    const x = env.plan.values[v.inputs[0]!]!;
    const { rt } = env;
    const src = addrOf(env, x.index) / 4, dst = addrOf(env, v.index) / 4, n = v.size;
    if (x.dtype === v.dtype) {
      emitCopy(env, [n], addrOf(env, x.index), [1], addrOf(env, v.index), [1]);
    } else if (v.dtype === 'int32') {
      rt.host('cast', () => {
        const f = rt.memoryF32(), o = rt.memoryI32();
        for (let k = 0; k < n; k++) o[dst + k] = Math.trunc(f[src + k]!);
      });
    } else {
      rt.host('cast', () => {
        const i = rt.memoryI32(), o = rt.memoryF32();
        for (let k = 0; k < n; k++) o[dst + k] = i[src + k]!;
      });
    }
  },
  moments: (env, v) => {
    const x = inputOf(env, v, 0);
    const { outer, channels, inner } = momentsView(x.shape, attrsOf(v, 'moments').axes);
    const out = addrOf(env, v.index);
    env.rt.moments({ x: addrOf(env, x.index), mean: out, variance: out + 4 * channels, outer, channels, inner });
  },
  broadcast_to: (env, v) => {
    const x = inputOf(env, v, 0);
    const st = stridesOf(x.shape);
    const off = v.shape.length - x.shape.length;
    const xs = v.shape.map((_, i) => (i < off || x.shape[i - off] === 1 ? 0 : st[i - off]!));
    emitCopy(env, v.shape, addrOf(env, x.index), xs, addrOf(env, v.index), stridesOf(v.shape));
  },
  resized_crop: (env, v) => {
    const [x, boxes] = v.inputs.map((i) => env.plan.values[i]!) as [PlanValue, PlanValue];
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const { size } = attrsOf(v, 'resized_crop');
    const oh = size[0]!, ow = size[1]!;
    const { rt } = env;
    const xs = addrOf(env, x.index) / 4, bs = addrOf(env, boxes.index) / 4, ys = addrOf(env, v.index) / 4;
    rt.host('resized_crop', () => resizedCrop(rt.memoryF32(), xs, bs, ys, n, c, h, w, oh, ow));
  },
};

/**
 * core's resized_crop reference kernel (bilinear, align_corners=False, per-sample boxes), over the memory:
 * x, boxes and y are element offsets into `m`. The arithmetic is the reference's, in float64.
 */
function resizedCrop(m: Float32Array, xs: number, bs: number, ys: number, n: number, c: number, h: number, w: number, oh: number, ow: number): void {
  for (let b = 0; b < n; b++) {
    const top = m[bs + b * 5]!, left = m[bs + b * 5 + 1]!, bh = m[bs + b * 5 + 2]!, bw = m[bs + b * 5 + 3]!, flip = m[bs + b * 5 + 4]! > 0.5;
    const sy = bh / oh, sx = bw / ow;
    for (let ch = 0; ch < c; ch++) {
      const plane = b * c + ch;
      const base = xs + plane * h * w;
      for (let oy = 0; oy < oh; oy++) {
        const fy = Math.max(sy * (oy + 0.5) - 0.5, 0);
        const y0 = Math.floor(fy);
        const y1 = y0 < bh - 1 ? y0 + 1 : y0;
        const ly = fy - y0;
        const r0 = top + y0, r1 = top + y1;
        const in0 = r0 >= 0 && r0 < h, in1 = r1 >= 0 && r1 < h;
        const row = ys + (plane * oh + oy) * ow;
        for (let ox = 0; ox < ow; ox++) {
          const fx = Math.max(sx * (ox + 0.5) - 0.5, 0);
          const x0 = Math.floor(fx);
          const x1 = x0 < bw - 1 ? x0 + 1 : x0;
          const lx = fx - x0;
          const q0 = left + x0, q1 = left + x1;
          const okx0 = q0 >= 0 && q0 < w, okx1 = q1 >= 0 && q1 < w;
          const a00 = in0 && okx0 ? m[base + r0 * w + q0]! : 0;
          const a01 = in0 && okx1 ? m[base + r0 * w + q1]! : 0;
          const a10 = in1 && okx0 ? m[base + r1 * w + q0]! : 0;
          const a11 = in1 && okx1 ? m[base + r1 * w + q1]! : 0;
          m[row + (flip ? ow - 1 - ox : ox)] = (1 - ly) * ((1 - lx) * a00 + lx * a01) + ly * ((1 - lx) * a10 + lx * a11);
        }
      }
    }
  }
}
