#!/usr/bin/env node
// Kernel benchmark for the WebGPU backend: GFLOP/s of our matmul and conv2d (forward, backward-data,
// backward-weight) kernels beside @tensorflow/tfjs-backend-webgpu on the same Dawn adapter.
// Run from the repo root after building (npm run build, or turbo run build --filter=@dogo/node...):
//   node benchmarks/kernels-webgpu/run.mjs [--quick] [--no-tfjs] [--sweep] [--out FILE]
// On a software adapter (SwiftShader) it switches to --quick shapes: correctness-sized, report only.
// --sweep also times every tiling of GEMM_TILINGS on every shape (ours only) and records which one was
// fastest beside the one chooseGemmTiling picks: the data for tuning that choice on a new GPU.
// Writes benchmarks/results/kernels-webgpu.json and prints a table. Budget: under 8 minutes on a GPU.
// tools/device/pack-webgpu-bench.mjs bundles this file into one script for a machine without the repo.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const outFile = args.includes('--out') ? path.resolve(args[args.indexOf('--out') + 1]) : path.join(root, 'benchmarks', 'results', 'kernels-webgpu.json');
const BUDGET_MS = 7.5 * 60 * 1000;
const started = performance.now();

let imported;
try {
  imported = await Promise.all([import('@dogo/node'), import('@dogo/backend-webgpu'), import('@dogo/shaders-tensor')]);
} catch (e) {
  console.error(`cannot load the dogo packages (${e?.message ?? e}): build first (npm run build, or npx turbo run build --filter=@dogo/node...).`);
  process.exit(2);
}
const [{ requestNodeGpuDevice }, { KernelRunner }, shaders] = imported;

const handle = await requestNodeGpuDevice();
const { device, info } = handle;
const quick = flag('--quick') || info.isSoftware;
console.log(`adapter: ${info.name} (${info.vendor} ${info.architecture})${info.isSoftware ? ' [software]' : ''}`);
if (handle.note) console.log(`note: ${handle.note}`);
console.log(`mode: ${quick ? 'quick (small shapes, report only)' : 'full'}\n`);

const runner = new KernelRunner(device);
const TARGET_MS = quick ? 300 : 200; // time per trial
const TRIALS = 3;

/** Best-of-TRIALS milliseconds per call of `once` (an async function doing `reps` calls). */
async function timeIt(once) {
  let t = performance.now();
  await once(1); // warm-up: compile, first upload
  t = performance.now();
  await once(1);
  const single = Math.max(performance.now() - t, 0.01);
  const reps = Math.max(1, Math.min(200, Math.ceil(TARGET_MS / single)));
  let best = Infinity;
  for (let i = 0; i < TRIALS; i++) {
    t = performance.now();
    await once(reps);
    best = Math.min(best, (performance.now() - t) / reps);
  }
  return best;
}

function randomData(n, seed) {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

/**
 * Times a sequence of our launches: `sizes` gives every buffer's element count by name, each launch is
 * { kernel, bind } with bind mapping binding names to buffer names (default: the same name); the
 * sequence is repeated in one submit.
 */
async function timeOurs(launches, sizes) {
  const buffers = {};
  let seed = 1;
  for (const [name, n] of Object.entries(sizes)) buffers[name] = runner.upload(randomData(n, seed++), name);
  const prepared = [];
  try {
    for (const { kernel, bind = {} } of launches) {
      const bound = {};
      for (const b of kernel.bindings) if (b.kind !== 'uniform') bound[b.name] = buffers[bind[b.name] ?? b.name];
      prepared.push(await runner.prepare(kernel, bound));
    }
    return await timeIt(async (reps) => {
      runner.submit(Array.from({ length: reps }, () => prepared).flat(), launches[0].kernel.label);
      await device.queue.onSubmittedWorkDone();
    });
  } finally {
    for (const b of Object.values(buffers)) b.destroy();
    for (const d of prepared) d.uniformBuffer?.destroy();
  }
}

/** Our dweight launches: the (split-K) GEMM, plus the sum of the partials when split. */
function weightGradLaunches(shape, params) {
  const { kernel, split, weightSize } = shaders.conv2dBackwardWeightKernel(shape, params);
  if (split.splits === 1) return { launches: [{ kernel }], partials: weightSize, split };
  const sum = shaders.reduceKernel('sum', { outer: 1, reduce: split.splits, inner: weightSize });
  return { launches: [{ kernel, bind: { dweight: 'partials' } }, { kernel: sum, bind: { x: 'partials', out: 'dweight' } }], partials: split.splits * weightSize, split };
}

// tfjs-backend-webgpu on the same Dawn adapter: it reads navigator.gpu, so expose Dawn's GPU there.
let tf = null;
let tfError = null;
if (!flag('--no-tfjs')) {
  try {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true, writable: true });
    tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") returned false');
    await tf.ready();
  } catch (e) {
    tfError = String(e?.message ?? e);
    tf = null;
    console.log(`tfjs-backend-webgpu unavailable: ${tfError}\n`);
  }
}

async function timeTf(makeInputs, op) {
  if (!tf) return null;
  const inputs = makeInputs();
  const ms = await timeIt(async (reps) => {
    let last = null;
    for (let i = 0; i < reps; i++) {
      last?.dispose();
      last = op(inputs);
    }
    await last.data();
    last.dispose();
  });
  for (const t of inputs) t.dispose();
  return ms;
}

// ---------------------------------------------------------------- cases
const MATMUL = quick ? [[256, 256, 256]] : [[1024, 1024, 1024], [4096, 512, 512]];
// [name, x NCHW, weight OIHW, stride, pad]; full: ResNet-18 at batch 32 (ImageNet) and a CIFAR ResNet block at batch 256.
const CONVS = quick
  ? [
      ['stem 7x7 s2', [2, 3, 32, 32], [16, 3, 7, 7], 2, 3],
      ['3x3 s1', [2, 16, 16, 16], [16, 16, 3, 3], 1, 1],
      ['3x3 s2', [2, 16, 16, 16], [32, 16, 3, 3], 2, 1],
      ['1x1 s2', [2, 16, 16, 16], [32, 16, 1, 1], 2, 0],
    ]
  : [
      ['stem 7x7 s2', [32, 3, 224, 224], [64, 3, 7, 7], 2, 3],
      ['layer1 3x3', [32, 64, 56, 56], [64, 64, 3, 3], 1, 1],
      ['layer2 3x3 s2', [32, 64, 56, 56], [128, 64, 3, 3], 2, 1],
      ['layer2 1x1 s2', [32, 64, 56, 56], [128, 64, 1, 1], 2, 0],
      ['layer3 3x3', [32, 256, 14, 14], [256, 256, 3, 3], 1, 1],
      ['layer4 3x3', [32, 512, 7, 7], [512, 512, 3, 3], 1, 1],
      ['cifar 3x3', [256, 64, 32, 32], [64, 64, 3, 3], 1, 1],
    ];

const results = [];
const gflops = (flops, ms) => (ms ? flops / ms / 1e6 : null);

const sweep = flag('--sweep');
const TILING_NAMES = Object.keys(shaders.GEMM_TILINGS);
const withTiling = (name) => ({ tiling: shaders.GEMM_TILINGS[name] });

/** Name of the tiling a spec chose by itself: the one whose explicit kernel has the same WGSL. */
function chosenTiling(make) {
  const code = make({}).code;
  return TILING_NAMES.find((name) => make(withTiling(name)).code === code);
}

/**
 * One table row: ours (with the tiling chosen by default, `auto`: its name and details), tfjs beside it,
 * and with --sweep every tiling of ours (`oursWith(name)`).
 */
async function record(kernel, shape, flops, ours, theirs, auto, oursWith) {
  const row = { kernel, shape, gflop: flops / 1e9, tiling: auto };
  try {
    row.ours_ms = await ours();
    row.ours_gflops = gflops(flops, row.ours_ms);
  } catch (e) {
    row.ours_error = String(e?.message ?? e);
  }
  try {
    row.tfjs_ms = await theirs();
    row.tfjs_gflops = row.tfjs_ms === null ? null : gflops(flops, row.tfjs_ms);
  } catch (e) {
    row.tfjs_error = String(e?.message ?? e).slice(0, 300);
  }
  if (row.ours_gflops && row.tfjs_gflops) row.ratio_vs_tfjs = row.ours_gflops / row.tfjs_gflops;
  if (sweep && oursWith) {
    row.sweep = {};
    for (const name of TILING_NAMES) {
      if (overBudget()) break;
      try {
        row.sweep[name] = gflops(flops, await oursWith(name));
      } catch (e) {
        row.sweep[name] = `error: ${String(e?.message ?? e).slice(0, 120)}`;
      }
    }
    const best = Object.entries(row.sweep).filter(([, v]) => typeof v === 'number').sort((a, b) => b[1] - a[1])[0];
    if (best) row.sweep_best = { tiling: best[0], gflops: best[1] };
  }
  results.push(row);
  const f = (v) => (v == null ? '     -' : v.toFixed(v < 10 ? 2 : 1).padStart(6));
  const ratio = row.ratio_vs_tfjs ? `  x${row.ratio_vs_tfjs.toFixed(2)}` : '';
  const best = row.sweep_best ? `  best ${row.sweep_best.tiling} ${f(row.sweep_best.gflops)}` : '';
  console.log(`${kernel.padEnd(24)} ${shape.padEnd(34)} ${String(auto.name ?? '').padEnd(10)} ours ${f(row.ours_gflops)} GFLOP/s   tfjs ${f(row.tfjs_gflops)} GFLOP/s${ratio}${best}${row.ours_error ? `  ours error: ${row.ours_error}` : ''}${row.tfjs_error ? `  tfjs error: ${row.tfjs_error.slice(0, 80)}` : ''}`);
}

const overBudget = () => performance.now() - started > BUDGET_MS;

for (const [m, n, k] of MATMUL) {
  if (overBudget()) break;
  const sizes = { a: m * k, b: k * n, c: m * n };
  const make = (params) => shaders.matmulKernel({ m, n, k }, params);
  await record('matmul', `${m}x${n}x${k}`, 2 * m * n * k,
    () => timeOurs([{ kernel: make({}) }], sizes),
    () => timeTf(() => [tf.randomNormal([m, k]), tf.randomNormal([k, n])], ([a, b]) => tf.matMul(a, b)),
    { name: chosenTiling(make) },
    (name) => timeOurs([{ kernel: make(withTiling(name)) }], sizes));
}

for (const [name, x, w, s, p] of CONVS) {
  if (overBudget()) break;
  const shape = { x, weight: w, stride: s, padding: p };
  const g = shaders.convGeometry(shape);
  const flops = 2 * g.n * g.o * g.oh * g.ow * g.c * g.kh * g.kw;
  const [xs, ws, ys] = [g.n * g.c * g.h * g.w, g.o * g.c * g.kh * g.kw, g.n * g.o * g.oh * g.ow];
  const desc = `${name} x[${x}] w[${w}]`;
  const nhwc = [g.n, g.h, g.w, g.c];
  const hwio = [g.kh, g.kw, g.c, g.o];
  const dyShape = [g.n, g.oh, g.ow, g.o];
  const conv = { strides: [s, s], pad: p, dataFormat: 'NHWC', dilations: [1, 1] };
  const fwd = (params) => shaders.conv2dKernel(shape, params);
  const fwdSizes = { x: xs, weight: ws, y: ys };
  await record('conv2d', desc, flops,
    () => timeOurs([{ kernel: fwd({}) }], fwdSizes),
    () => timeTf(() => [tf.randomNormal(nhwc), tf.randomNormal(hwio)], ([xt, wt]) => tf.conv2d(xt, wt, s, p)),
    { name: chosenTiling(fwd) },
    (name) => timeOurs([{ kernel: fwd(withTiling(name)) }], fwdSizes));
  if (overBudget()) break;
  const dx = (params) => shaders.conv2dBackwardDataKernel(shape, params);
  const dxSizes = { dy: ys, weight: ws, dx: xs };
  await record('conv2d_backward_data', desc, flops,
    () => timeOurs([{ kernel: dx({}) }], dxSizes),
    () => timeTf(() => [tf.randomNormal(dyShape), tf.randomNormal(hwio)], ([dy, wt]) => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: wt }, { ...conv, inputShape: nhwc })),
    { name: chosenTiling(dx), phases: dx({}).dispatch[2] > 1 },
    (name) => timeOurs([{ kernel: dx(withTiling(name)) }], dxSizes));
  if (overBudget()) break;
  const dw = weightGradLaunches(shape);
  const timeDw = (launch) => timeOurs(launch.launches, { x: xs, dy: ys, dweight: ws, partials: launch.partials });
  await record('conv2d_backward_weight', desc, flops,
    () => timeDw(dw),
    () => timeTf(() => [tf.randomNormal(nhwc), tf.randomNormal(dyShape)], ([xt, dy]) => tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy }, { ...conv, filterShape: hwio })),
    { name: chosenTiling((params) => shaders.conv2dBackwardWeightKernel(shape, params).kernel), splits: dw.split.splits },
    (name) => timeDw(weightGradLaunches(shape, withTiling(name))));
}

/**
 * The issue's targets in numbers: the worst ratio of ours to tfjs over matmul and convs, and every conv
 * kernel's GFLOP/s as a fraction of our best matmul's.
 */
function summarize(rows) {
  const ratios = rows.filter((r) => r.ratio_vs_tfjs).map((r) => r.ratio_vs_tfjs);
  const matmulBest = Math.max(0, ...rows.filter((r) => r.kernel === 'matmul' && r.ours_gflops).map((r) => r.ours_gflops));
  const convShare = rows.filter((r) => r.kernel.startsWith('conv2d') && r.ours_gflops && matmulBest).map((r) => r.ours_gflops / matmulBest);
  return {
    min_ratio_vs_tfjs: ratios.length ? Math.min(...ratios) : null,
    geomean_ratio_vs_tfjs: ratios.length ? Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length) : null,
    matmul_best_gflops: matmulBest || null,
    min_conv_share_of_matmul: convShare.length ? Math.min(...convShare) : null,
  };
}

const report = {
  benchmark: 'kernels-webgpu',
  date: new Date().toISOString(),
  node: process.version,
  mode: quick ? 'quick' : 'full',
  adapter: { name: info.name, vendor: info.vendor, architecture: info.architecture, isSoftware: info.isSoftware },
  note: handle.note ?? null,
  tfjs: tf ? 'tfjs-backend-webgpu on the same Dawn adapter (NHWC layouts; same FLOP counts)' : `not run: ${tfError ?? '--no-tfjs'}`,
  timing: `best of ${TRIALS} trials of repeated launches (ours: one submit per trial, waited with onSubmittedWorkDone; tfjs: ops in a loop, waited with data())`,
  incomplete: overBudget(),
  elapsed_s: (performance.now() - started) / 1000,
  results,
  summary: summarize(results),
};
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(report, null, 2) + '\n');
const sm = report.summary;
const num = (v, d = 2) => (v == null ? '-' : v.toFixed(d));
console.log(`\nours / tfjs: worst x${num(sm.min_ratio_vs_tfjs)}, geometric mean x${num(sm.geomean_ratio_vs_tfjs)} (target: x1.5 or more)`);
console.log(`conv kernels vs our best matmul (${num(sm.matmul_best_gflops, 1)} GFLOP/s): worst ${num(sm.min_conv_share_of_matmul === null ? null : sm.min_conv_share_of_matmul * 100, 0)}% (target: 70% or more)`);
console.log(`\nwrote ${path.relative(process.cwd(), outFile)} in ${report.elapsed_s.toFixed(1)} s`);
device.destroy();
process.exit(0); // Dawn's instance keeps the event loop alive otherwise
