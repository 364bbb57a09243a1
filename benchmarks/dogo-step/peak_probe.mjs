// The WebAssembly FMA ceiling of this machine and engine: a loop of independent f32x4 multiply-adds (12
// accumulator chains, enough to cover the FMA latency on two pipes, unrolled 4x; no memory traffic), run at
// once on `threads` worker threads for about `seconds` each. GFLOP/s = threads x iterations x 48 x 8 / time
// (4 lanes, 2 flops per multiply-add). `relaxed` uses f32x4.relaxed_madd (an FMA on x64 with FMA3), `simd`
// mul + add. What a kernel of 128-bit wasm SIMD could reach at best; run.mjs reports the DoGo step's
// GFLOP/s as a share of it.
//
//   import { measureWasmPeak } from './peak_probe.mjs';  await measureWasmPeak({ threads: 2, seconds: 2 })
//   node benchmarks/dogo-step/peak_probe.mjs [--threads N] [--seconds S] [--variant relaxed|simd]
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const CHAINS = 12, UNROLL = 4;

function probeWat(variant) {
  const fma = (a, b, c) => (variant === 'relaxed' ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add (f32x4.mul ${a} ${b}) ${c})`);
  const acc = Array.from({ length: CHAINS }, (_, k) => `$a${k}`);
  const body = Array.from({ length: UNROLL }, () => acc.map((a) => `(local.set ${a} ${fma(`(local.get ${a})`, '(local.get $b)', '(local.get $c)')})`).join('\n')).join('\n');
  const sum = acc.slice(1).reduce((e, a) => `(f32x4.add ${e} (local.get ${a}))`, `(local.get ${acc[0]})`);
  return `(module (func (export "fma") (param $iters i32) (result f32)
    ${acc.map((a, k) => `(local ${a} v128)`).join(' ')} (local $b v128) (local $c v128)
    ${acc.map((a, k) => `(local.set ${a} (v128.const f32x4 ${k} ${k} ${k} ${k}))`).join('\n')}
    (local.set $b (v128.const f32x4 0.9999999 0.9999999 0.9999999 0.9999999))
    (local.set $c (v128.const f32x4 1e-7 1e-7 1e-7 1e-7))
    (loop $l
      ${body}
      (local.set $iters (i32.sub (local.get $iters) (i32.const 1)))
      (br_if $l (i32.gt_s (local.get $iters) (i32.const 0))))
    (f32x4.extract_lane 0 ${sum})))`;
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const inst = new WebAssembly.Instance(workerData.module);
const fma = inst.exports.fma;
fma(20000); fma(20000); // tier up
let iters = 1 << 16, t = 0;
for (;;) { const t0 = performance.now(); fma(iters); t = performance.now() - t0; if (t > 50) break; iters *= 2; }
const total = Math.max(1, Math.round(iters * (workerData.seconds * 1000) / t));
// wait for every thread to be ready, then run together
Atomics.add(workerData.ready, 0, 1);
while (Atomics.load(workerData.ready, 0) < workerData.threads) ;
const t0 = performance.now();
fma(total);
parentPort.postMessage({ iters: total, ms: performance.now() - t0 });`;

/** GFLOP/s of the FMA loop on `threads` threads at once (see the file comment). */
export async function measureWasmPeak({ threads = os.availableParallelism(), seconds = 2, variant = 'relaxed' } = {}) {
  if (variant === 'relaxed') v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  const wabt = await createRequire(import.meta.url)('wabt')();
  const mod = wabt.parseWat('peak.wat', probeWat(variant), { simd: true, relaxed_simd: true });
  const module = await WebAssembly.compile(mod.toBinary({}).buffer);
  mod.destroy();
  const ready = new Int32Array(new SharedArrayBuffer(4));
  const runs = await Promise.all(Array.from({ length: threads }, () => new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: { module, seconds, ready, threads } });
    w.once('message', (m) => { resolve(m); void w.terminate(); });
    w.once('error', reject);
  })));
  const flopsPerIter = CHAINS * UNROLL * 8;
  const gflops = runs.reduce((a, r) => a + (r.iters * flopsPerIter) / (r.ms / 1000) / 1e9, 0);
  return { variant, threads, seconds, gflops, perThread: runs.map((r) => (r.iters * flopsPerIter) / (r.ms / 1000) / 1e9) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { threads: { type: 'string' }, seconds: { type: 'string', default: '2' }, variant: { type: 'string', default: 'relaxed' } } });
  const r = await measureWasmPeak({ threads: values.threads ? Number(values.threads) : undefined, seconds: Number(values.seconds), variant: values.variant });
  console.log(`wasm ${r.variant} FMA peak: ${r.gflops.toFixed(1)} GFLOP/s on ${r.threads} thread(s) (${r.perThread.map((g) => g.toFixed(1)).join(', ')}), load average ${os.loadavg()[0].toFixed(2)}`);
}
