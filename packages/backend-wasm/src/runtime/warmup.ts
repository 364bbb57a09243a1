/**
 * Start-up warm-up: V8 first runs wasm with its baseline compiler (Liftoff, about half the speed) and
 * moves a function to the optimising tier after it has used some execution budget; a single long call
 * never switches mid-call. Running every kernel a few times on tiny inputs at start gets the optimised
 * code compiled before real work arrives (workers share the compiled module code). Internal.
 */
import { FUSED_OPCODES } from '../kernels.gen.js';
import type { WasmRuntime } from './wasm_runtime.js';

/** Writes a fused program (tools/wat/fused.mjs) over x [*, 100] with a scalar s: y = relu(x*s + s), acc[row] += sum exp(x). */
function fusedWarmupProgram(rt: WasmRuntime, x: number, s: number, y: number, acc: number): number {
  const desc = rt.alloc(64 + 32 * 4 + 16 * 6 + 64);
  const op = (base: number, s0: number, s1: number, s2: number, s3: number) => [base, s0, s1, s2, s3, 0, 0, 0];
  const words = [4, 6, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ...op(x, 0, 600, 100, 1), ...op(s, 0, 0, 0, 0), ...op(y, 0, 600, 100, 1), ...op(acc, 0, 6, 1, 0)];
  const o = FUSED_OPCODES;
  const code = [o['mul.vs'], 4, 0, 1, o['add.vs'], 4, 4, 1, o['relu.v'], 4, 4, 0, o['store.v'], 2, 4, 0, o['exp.v'], 5, 0, 0, o['radd.sv'], 3, 5, 0];
  rt.i32(desc, words.length + code.length).set([...words, ...code]);
  rt.f32(acc, 64).fill(0);
  return desc;
}

/** Runs every kernel the backend uses a few times on small inputs, single-threaded and on the pool. */
export function warmUp(rt: WasmRuntime): void {
  const n = 96;
  const a = rt.allocF32(n * n), b = rt.allocF32(n * n), c = rt.allocF32(n * n);
  rt.f32(a, n * n).fill(0.5);
  rt.f32(b, n * n).fill(0.25);
  const small = rt.allocF32(4096), out = rt.allocF32(4096), aux = rt.allocF32(4096), aux2 = rt.allocF32(4096);
  rt.f32(small, 4096).fill(0.5);
  rt.f32(aux, 4096).fill(1);
  // a small fused program touching the common opcodes: y = relu(x * s + 1) and a per-row sum of exp(x)
  const big = rt.allocF32(6000), bigOut = rt.allocF32(6000), acc = rt.allocF32(64);
  rt.f32(big, 6000).fill(0.25);
  const prog = fusedWarmupProgram(rt, big, small, bigOut, acc);
  for (let rep = 0; rep < 4; rep++) {
    for (const tA of [false, true]) for (const tB of [false, true]) {
      rt.gemm({ m: n, n, k: n, a, b, c, transposeA: tA, transposeB: tB });
    }
    rt.gemm({ m: 37, n: 29, k: 41, a, b, c });
    const geo = { n: 2, c: 4, h: 8, w: 8, o: 8, kh: 3, kw: 3, padH: 1, padW: 1 };
    rt.conv2dForward({ ...geo, x: a, weight: b, y: c });
    rt.conv2dBackwardData({ ...geo, dy: a, weight: b, dx: c });
    rt.conv2dBackwardWeight({ ...geo, x: a, dy: b, dw: c });
    rt.conv2dForward({ ...geo, kh: 1, kw: 1, padH: 0, padW: 0, strideH: 2, strideW: 2, x: a, weight: b, y: c });
    for (const algorithm of ['winograd_f2', 'winograd_f4', 'winograd_f6'] as const) {
      rt.conv2dForward({ ...geo, x: a, weight: b, y: c, algorithm });
      rt.conv2dBackwardData({ ...geo, dy: a, weight: b, dx: c, algorithm });
      rt.conv2dBackwardWeight({ ...geo, x: a, dy: b, dw: c, algorithm });
    }
    const pool = { planes: 8, h: 8, w: 8, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 };
    rt.maxPool2dForward({ ...pool, x: small, y: out });
    rt.maxPool2dBackward({ ...pool, x: small, dy: aux, dx: out });
    rt.avgPool2dForward({ ...pool, x: small, y: out });
    rt.avgPool2dBackward({ ...pool, dy: aux, dx: out });
    rt.moments({ x: small, mean: out, variance: aux2, outer: 4, channels: 8, inner: 63 });
    rt.moments({ x: small, mean: out, variance: aux2, outer: 64, channels: 9, inner: 1 });
    rt.copy4d({ x: small, y: out, dims: [2, 3, 4, 37], xStrides: [444, 148, 37, 1], yStrides: [444, 148, 37, 1] });
    rt.copy4d({ x: small, y: out, dims: [1, 4, 5, 31], xStrides: [0, 1, 4, 20], yStrides: [0, 155, 31, 1] });
    rt.copy4d({ x: small, y: out, dims: [1, 1, 7, 100], xStrides: [0, 0, 1, 0], yStrides: [0, 0, 100, 1] });
    rt.fused({ descs: [prog], dims: [1, 4, 6, 100], splitDim: 1 });
    rt.fused({ descs: [prog], dims: [1, 2, 3, 1000], splitDim: 3 });
  }
  for (const off of [a, b, c, small, out, aux, aux2, prog, big, bigOut, acc]) rt.free(off);
}
