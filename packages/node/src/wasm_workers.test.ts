import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmRuntime, type Launch } from '@dogo/backend-wasm';
import { createNodeWasmRuntime, enableRelaxedSimd, nodeWorkerHost } from './wasm_workers.js';

function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let k = 0; k < n; k++) { s = (s * 1103515245 + 12345) >>> 0; out[k] = s / 2 ** 31 - 1; }
  return out;
}

// Runs the same kernel sequence on a runtime and returns every output, to compare 1 thread with 2.
function workload(rt: WasmRuntime): { outputs: Float32Array[]; splits: number[] } {
  const outputs: Float32Array[] = [];
  const splits: number[] = [];
  const calls = (l: Launch | undefined) => (l && 'calls' in l ? l.calls.length : 0);
  const run = (f: () => void) => { splits.push(calls(rt.record(f)[0])); f(); };
  const up = (n: number, seed: number) => rt.upload(rand(n, seed));
  // gemm split by columns (n >= m) and by rows (m > n), with transposes
  for (const [m, n, k, tA, tB] of [[160, 300, 70, false, false], [400, 90, 130, true, true], [61, 257, 129, false, true]] as const) {
    const a = up(m * k, 1), b = up(k * n, 2), c = rt.allocF32(m * n);
    run(() => rt.gemm({ m, n, k, a, b, c, transposeA: tA, transposeB: tB }));
    outputs.push(rt.read(c, m * n));
  }
  // conv: batch split (n = 4) and within-image split (n = 1)
  for (const n of [4, 1]) {
    const g = { n, c: 16, h: 20, w: 20, o: 24, kh: 3, kw: 3, padH: 1, padW: 1 };
    const x = up(n * 16 * 400, 4), w = up(24 * 16 * 9, 5), dy = up(n * 24 * 400, 6);
    const y = rt.allocF32(n * 24 * 400), dx = rt.allocF32(n * 16 * 400), dw = rt.allocF32(24 * 16 * 9);
    run(() => rt.conv2dForward({ ...g, x, weight: w, y }));
    run(() => rt.conv2dBackwardData({ ...g, dy, weight: w, dx }));
    run(() => rt.conv2dBackwardWeight({ ...g, x, dy, dw }));
    outputs.push(rt.read(y, n * 24 * 400), rt.read(dx, n * 16 * 400), rt.read(dw, 24 * 16 * 9));
  }
  // memory-bound kernels, large enough to split
  const N = 8, C = 32, HW = 32 * 32, size = N * C * HW;
  const x = up(size, 7), z = up(size, 8), y = rt.allocF32(size), s1 = rt.allocF32(C), s2 = rt.allocF32(C);
  run(() => rt.copy4d({ x, y, dims: [N, C, 32, 32], xStrides: [C * HW, HW, 1, 32], yStrides: [C * HW, HW, 32, 1] })); outputs.push(rt.read(y, size));
  const pool = { planes: N * C, h: 32, w: 32, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 };
  run(() => rt.maxPool2dForward({ ...pool, x, y })); outputs.push(rt.read(y, N * C * 256));
  run(() => rt.avgPool2dBackward({ ...pool, dy: z, dx: y })); outputs.push(rt.read(y, size));
  run(() => rt.moments({ x, mean: s1, variance: s2, outer: N, channels: C, inner: HW })); outputs.push(rt.read(s1, C), rt.read(s2, C));
  const rows = 4096, cols = 64, m1 = rt.allocF32(cols), m2 = rt.allocF32(cols);
  run(() => rt.moments({ x, mean: m1, variance: m2, outer: rows, channels: cols, inner: 1 })); outputs.push(rt.read(m1, cols), rt.read(m2, cols));
  return { outputs, splits };
}

describe('wasm runtime on worker_threads', () => {
  let one: WasmRuntime, two: WasmRuntime;
  beforeAll(async () => {
    enableRelaxedSimd();
    one = await WasmRuntime.create({ threads: 1 });
    two = await createNodeWasmRuntime({ threads: 2 });
  });
  afterAll(() => { one.dispose(); two.dispose(); });

  it('starts two threads with the relaxed build', () => {
    expect(two.threads).toBe(2);
    expect(two.variant).toBe('relaxed');
  });

  it('gives bitwise the same results on 1 and 2 threads, and really splits the work', () => {
    const a = workload(one), b = workload(two);
    expect(a.splits.every((s) => s === 1)).toBe(true);
    expect(b.splits.every((s) => s === 2)).toBe(true);
    expect(b.outputs.length).toBe(a.outputs.length);
    a.outputs.forEach((out, k) => expect(Buffer.from(b.outputs[k].buffer).equals(Buffer.from(out.buffer)), `output ${k}`).toBe(true));
  });

  it('replays recorded launches, synchronously and asynchronously', async () => {
    const m = 256, a = two.upload(rand(m * m, 9)), b = two.upload(rand(m * m, 10)), c = two.allocF32(m * m), d = two.allocF32(m * m);
    const list = two.record(() => { two.gemm({ m, n: m, k: m, a, b, c }); two.copy4d({ x: c, y: d, dims: [1, 1, m, m], xStrides: [0, 0, 1, m], yStrides: [0, 0, m, 1] }); });
    expect(list.map((l) => l.kernel)).toEqual(['gemm', 'copy4d']);
    two.replay(list);
    const want = two.read(d, m * m);
    two.f32(d, m * m).fill(0);
    await two.replayAsync(list);
    expect(Array.from(two.read(d, m * m))).toEqual(Array.from(want));
  });

  it('runs a launch posted right after start-up (no lost first wake-up)', async () => {
    for (let rep = 0; rep < 8; rep++) {
      const rt = await createNodeWasmRuntime({ threads: 2, warmUp: false, stallTimeoutMs: 5000 });
      const m = 192, a = rt.upload(rand(m * m, rep)), c = rt.allocF32(m * m);
      const list = rt.record(() => rt.gemm({ m, n: m, k: m, a, b: a, c }));
      const first = list[0]!;
      expect('calls' in first && first.calls.length).toBe(2);
      rt.replay(list);
      rt.dispose();
    }
  });

  it('falls back to one thread without a worker host and says so once', async () => {
    const notes: string[] = [];
    const rt = await WasmRuntime.create({ threads: 2, log: (s) => notes.push(s), warmUp: false });
    expect(rt.threads).toBe(1);
    expect(notes.filter((s) => s.includes('single-threaded')).length).toBe(1);
    rt.dispose();
  });

  it('sizes the pool to the available cores by default', async () => {
    const rt = await createNodeWasmRuntime({ warmUp: false });
    expect(rt.threads).toBe(nodeWorkerHost().hardwareConcurrency);
    rt.dispose();
  });
});
