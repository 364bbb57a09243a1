/**
 * Kernel benchmark of @dogo/backend-wasm: GEMM (square 256/512/1024) and ResNet convolution shapes
 * (batch 32, 3x3 s1 p1: forward, backward-data, backward-weight), for the plain and relaxed SIMD builds on
 * 1 and 2 threads, against the machine peak and, in the same run, @tensorflow/tfjs-backend-wasm (XNNPACK)
 * on the same shapes (its native NHWC layout). Bundled and started by run.mjs; writes
 * benchmarks/results/kernels-wasm.json and prints a table.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import { WasmRuntime, type KernelVariant } from '@dogo/backend-wasm';
import { nodeWorkerHost } from '../../packages/node/src/wasm_workers.js';

const GHZ = 4.3, FLOP_PER_CYCLE = 16; // 128-bit SIMD: 4 lanes x 2 (FMA) x 2 ports
const peak = (cores: number) => cores * GHZ * FLOP_PER_CYCLE;
const BUDGET_MS = 400; // per measurement, after warm-up

interface Row { kernel: string; shape: string; impl: string; threads: number; ms: number; gflops: number; pctPeak: number; note?: string }
const rows: Row[] = [];

/** Median time of `f` over repeated runs (at least 3, up to the budget). */
async function time(f: () => unknown | Promise<unknown>): Promise<number> {
  for (let k = 0; k < 2; k++) await f();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 3 || (performance.now() - start < BUDGET_MS && times.length < 30)) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function record(kernel: string, shape: string, impl: string, threads: number, flops: number, ms: number, note?: string) {
  const gflops = flops / ms / 1e6;
  rows.push({ kernel, shape, impl, threads, ms: +ms.toFixed(3), gflops: +gflops.toFixed(1), pctPeak: +((100 * gflops) / peak(threads)).toFixed(1), note });
  console.log(`${kernel.padEnd(12)} ${shape.padEnd(26)} ${impl.padEnd(14)} ${String(threads).padStart(2)}  ${ms.toFixed(2).padStart(9)} ms  ${gflops.toFixed(1).padStart(6)} GFLOP/s  ${((100 * gflops) / peak(threads)).toFixed(0).padStart(3)}% of peak${note ? '  ' + note : ''}`);
}

const GEMM_SIZES = [256, 512, 1024];
const CONVS = [
  { name: '28x28 32->32', n: 32, c: 32, h: 28, w: 28, o: 32 },
  { name: '14x14 64->64', n: 32, c: 64, h: 14, w: 14, o: 64 },
  { name: '7x7 128->128', n: 32, c: 128, h: 7, w: 7, o: 128 },
];
const convFlops = (g: { n: number; c: number; h: number; w: number; o: number }) => 2 * g.n * g.o * g.h * g.w * g.c * 9;

function fill(rt: WasmRuntime, count: number): number {
  const off = rt.allocF32(count);
  const v = rt.f32(off, count);
  for (let k = 0; k < count; k++) v[k] = Math.random() - 0.5;
  return off;
}

async function benchOurs(variant: KernelVariant, threads: number) {
  const rt = await WasmRuntime.create({ variant, threads, workerHost: nodeWorkerHost() });
  const impl = `dogo-${variant}`;
  for (const n of GEMM_SIZES) {
    const a = fill(rt, n * n), b = fill(rt, n * n), c = rt.allocF32(n * n);
    record('gemm', `${n}x${n}x${n}`, impl, threads, 2 * n ** 3, await time(() => rt.gemm({ m: n, n, k: n, a, b, c })));
    rt.free(a); rt.free(b); rt.free(c);
  }
  for (const g of CONVS) {
    const geo = { n: g.n, c: g.c, h: g.h, w: g.w, o: g.o, kh: 3, kw: 3, padH: 1, padW: 1 };
    const x = fill(rt, g.n * g.c * g.h * g.w), w = fill(rt, g.o * g.c * 9), dy = fill(rt, g.n * g.o * g.h * g.w);
    const y = rt.allocF32(g.n * g.o * g.h * g.w), dx = rt.allocF32(g.n * g.c * g.h * g.w), dw = rt.allocF32(g.o * g.c * 9);
    const f = convFlops(g);
    record('conv fwd', g.name, impl, threads, f, await time(() => rt.conv2dForward({ ...geo, x, weight: w, y })));
    record('conv bwd-x', g.name, impl, threads, f, await time(() => rt.conv2dBackwardData({ ...geo, dy, weight: w, dx })));
    record('conv bwd-w', g.name, impl, threads, f, await time(() => rt.conv2dBackwardWeight({ ...geo, x, dy, dw })));
    for (const off of [x, w, dy, y, dx, dw]) rt.free(off);
  }
  rt.dispose();
}

async function benchTfjs() {
  tf.setBackend('wasm');
  await tf.ready();
  const threads = tfwasm.getThreadsCount();
  const impl = 'tfjs-wasm';
  const sync = (t: tf.Tensor) => { t.dataSync(); t.dispose(); };
  for (const n of GEMM_SIZES) {
    const a = tf.randomNormal([n, n]), b = tf.randomNormal([n, n]);
    record('gemm', `${n}x${n}x${n}`, impl, threads, 2 * n ** 3, await time(() => sync(tf.matMul(a, b))));
    a.dispose(); b.dispose();
  }
  for (const g of CONVS) {
    const x = tf.randomNormal([g.n, g.h, g.w, g.c]) as tf.Tensor4D, w = tf.randomNormal([3, 3, g.c, g.o]) as tf.Tensor4D;
    const dy = tf.randomNormal([g.n, g.h, g.w, g.o]) as tf.Tensor4D;
    const f = convFlops(g);
    record('conv fwd', g.name, impl, threads, f, await time(() => sync(tf.conv2d(x, w, 1, 'same'))));
    // backward-data: the registered Conv2DBackpropInput kernel (what tf.grad uses for dx)
    record('conv bwd-x', g.name, impl, threads, f, await time(() => sync(tf.conv2dTranspose(dy, w, x.shape, 1, 'same'))));
    try {
      const gw = tf.grad((wt: tf.Tensor) => tf.conv2d(x, wt as tf.Tensor4D, 1, 'same'));
      const tFwd = await time(() => sync(tf.conv2d(x, w, 1, 'same')));
      const tAll = await time(() => sync(gw(w, dy)));
      record('conv bwd-w', g.name, impl, threads, f, Math.max(tAll - tFwd, 1e-3), 'tf.grad minus forward');
    } catch (e) {
      rows.push({ kernel: 'conv bwd-w', shape: g.name, impl, threads, ms: NaN, gflops: NaN, pctPeak: NaN, note: `unavailable: ${(e as Error).message.split('\n')[0]}` });
      console.log(`${'conv bwd-w'.padEnd(12)} ${g.name.padEnd(26)} ${impl.padEnd(14)} ${String(threads).padStart(2)}  n/a (${(e as Error).message.split('\n')[0]})`);
    }
    x.dispose(); w.dispose(); dy.dispose();
  }
}

export async function main(outDir: string) {
  const cores = 2;
  console.log(`peak = cores x ${GHZ} GHz x ${FLOP_PER_CYCLE} FLOP/cycle (4 lanes x 2 FMA x 2 ports) = ${peak(1).toFixed(1)} GFLOP/s per core, ${peak(cores).toFixed(1)} for ${cores} cores`);
  console.log(`cpu: ${cpus()[0]?.model} x ${cpus().length}, node ${process.version}\n`);
  console.log(`${'kernel'.padEnd(12)} ${'shape'.padEnd(26)} ${'impl'.padEnd(14)} ${'th'.padStart(2)}  ${'time'.padStart(12)}  ${'rate'.padStart(14)}`);
  for (const variant of ['relaxed', 'simd'] as const) for (const threads of [1, 2]) await benchOurs(variant, threads);
  await benchTfjs();
  const out = {
    benchmark: 'kernels-wasm',
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, logicalCores: cpus().length, node: process.version },
    peak: { formula: `cores x ${GHZ} GHz x ${FLOP_PER_CYCLE} FLOP/cycle`, perCoreGflops: peak(1), twoCoreGflops: peak(2) },
    notes: 'conv: batch 32, 3x3 stride 1 pad 1; dogo in NCHW, tfjs in NHWC; time = median; tfjs bwd-x = conv2dTranspose (Conv2DBackpropInput)',
    results: rows,
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'kernels-wasm.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(`\nwrote ${path.join(outDir, 'kernels-wasm.json')}`);
}
