#!/usr/bin/env node
// images/s of one DoGo training step (forward, backward and Adam update of a ResNet student 32/64/128 and its
// peer 64/128/256, two random-resized-crop views each, 28x28x1 random images, batch 256) on our backends and,
// in the same run, the same step written with tfjs-core on tfjs-backend-wasm (and tfjs-backend-webgpu where
// a hardware WebGPU adapter exists). Needs the packages built first (npm run build, or npx turbo run build).
//
//   node benchmarks/dogo-step/run.mjs [--batch N] [--seconds S] [--backends a,b] [--include-reference]
//        [--reference-batch N] [--no-tfjs] [--webgpu-software] [--out FILE]
//
// Our backends are every name in @dogo/cli's BACKENDS except 'reference' (float64 TypeScript, minutes per
// step; add --include-reference to run it at --reference-batch, default 4). tfjs-backend-wasm cannot hold a
// batch-256 step in its 4 GiB heap: each batch of 256, 128, 64, 32, 16 (halvings of --batch) is tried in a
// fresh process until one survives, and our backends are measured at that batch too, so every ratio compares
// equal batches. Writes benchmarks/results/dogo-step.json and prints a table. About 4-5 minutes on 2 cores.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const started = performance.now();
const loadStart = os.loadavg();
const elapsed = () => (performance.now() - started) / 1000;

const { values: opt } = parseArgs({
  options: {
    batch: { type: 'string' }, seconds: { type: 'string', default: '20' }, backends: { type: 'string' },
    'include-reference': { type: 'boolean', default: false }, 'reference-batch': { type: 'string', default: '4' },
    'no-tfjs': { type: 'boolean', default: false }, 'webgpu-software': { type: 'boolean', default: false },
    warmup: { type: 'string', default: '1' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
  console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}
const positiveInt = (v, flag) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) { console.error(`${flag} expects a positive integer, got "${v}"`); process.exit(2); }
  return n;
};

const cliDist = path.join(root, 'packages', 'cli', 'dist', 'index.js');
if (!existsSync(cliDist) || !readFileSync(cliDist, 'utf8').includes('measureDogoStep')) {
  console.error(`${path.relative(root, cliDist)} is ${existsSync(cliDist) ? 'stale (no measureDogoStep)' : 'missing'}: build first with \`npm run build\` (or \`npx turbo run build\`) at the repository root.`);
  process.exit(2);
}
const cli = await import('@dogo/cli');
const { BACKENDS, createBackend, DOGO_STEP_REFERENCE, dogoStepFlops, measureDogoStep, FLOP_CONVENTION } = cli;

const batch = opt.batch === undefined ? DOGO_STEP_REFERENCE.batchSize : positiveInt(opt.batch, '--batch');
const seconds = Number(opt.seconds);
if (!(seconds > 0)) { console.error(`--seconds expects a positive number, got "${opt.seconds}"`); process.exit(2); }
const warmupSteps = Number(opt.warmup);
// A step never starts when it would take the timed part of one measurement past this, so that slow
// configurations (tfjs at its largest batch) keep the whole run within minutes; at least one step is timed.
const maxSeconds = 5 * seconds;
const referenceBatch = Math.min(batch, positiveInt(opt['reference-batch'], '--reference-batch'));

// ---- which of our backends ---------------------------------------------------------------------------------
const known = Object.keys(BACKENDS);
let ours = opt.backends ? opt.backends.split(',').map((s) => s.trim()).filter(Boolean) : known.filter((n) => n !== 'reference');
for (const n of ours) if (!known.includes(n)) { console.error(`unknown backend "${n}"; @dogo/cli's BACKENDS has: ${known.join(', ')}`); process.exit(2); }
const notes = [];
if (ours.includes('reference') && !opt['include-reference']) {
  ours = ours.filter((n) => n !== 'reference');
  notes.push('reference skipped: it takes minutes per step; add --include-reference to run it at --reference-batch');
}
if (opt['include-reference'] && !ours.includes('reference')) ours.push('reference');
if (ours.includes('webgpu')) {
  try {
    const { requestNodeGpuDevice } = await import('@dogo/node');
    const h = await requestNodeGpuDevice({ requireHardware: !opt['webgpu-software'] });
    h.device.destroy();
  } catch (e) {
    ours = ours.filter((n) => n !== 'webgpu');
    notes.push(`webgpu skipped: no ${opt['webgpu-software'] ? '' : 'hardware '}WebGPU adapter (${e.message.split('\n').slice(0, 2).join(' ').replace(/\s+/g, ' ').trim()}); --webgpu-software allows SwiftShader`);
  }
}
if (ours.length === 0) notes.push(`none of our backends to run: BACKENDS has ${known.join(', ')}; pass --include-reference to measure the reference backend`);

const spec = (b) => ({ ...DOGO_STEP_REFERENCE, batchSize: b });
const flops1 = dogoStepFlops(spec(1));
console.log(`DoGo step: ${DOGO_STEP_REFERENCE.models.map((m) => `${m.name} resnetSmall [${m.stageChannels.join(',')}]x${m.blocksPerStage}`).join(' + ')}; heads ${DOGO_STEP_REFERENCE.headHidden}->${DOGO_STEP_REFERENCE.headOut}; ${DOGO_STEP_REFERENCE.imageShape.join('x')} inputs`);
console.log(`FLOPs: ${(flops1.perImage / 1e9).toFixed(3)} GFLOP per image per step (forward ${(flops1.forwardPerImage / 1e9).toFixed(3)} GFLOP per image and view, both models, x3 for forward + backward, x2 views)`);
console.log(`cpu: ${os.cpus()[0]?.model} x ${os.cpus().length}, node ${process.version}; our backends: ${ours.join(', ') || '(none)'}; tfjs: ${opt['no-tfjs'] ? 'off' : 'wasm (+ webgpu on a hardware adapter)'}\n`);
if (loadStart[0] > 0.5) notes.push(`the 1-minute load average was ${loadStart[0].toFixed(2)} at the start: other processes share the ${os.cpus().length} cores, so every number here is low and noisy`);
for (const n of notes) console.log(`note: ${n}`);

const results = [];
const tfjsAttempts = [];

// ---- tfjs, each attempt in its own process ----------------------------------------------------------------
let bundleDir;
async function bundleWorker() {
  const { build } = await import('esbuild');
  const cache = path.join(root, 'node_modules', '.cache'); // inside node_modules so externals (@dogo/*, webgpu) resolve
  mkdirSync(cache, { recursive: true });
  bundleDir = mkdtempSync(path.join(cache, 'dogo-step-'));
  const outfile = path.join(bundleDir, 'tfjs_worker.mjs');
  await build({
    entryPoints: [path.join(here, 'tfjs_worker.mjs')], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20',
    mainFields: ['module', 'main'], // tfjs' ES module builds: one copy of tfjs-core for the backends and the gradients
    external: ['@dogo/*', 'webgpu'], logLevel: 'warning',
    banner: { js: "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);" },
  });
  return outfile;
}

function runWorker(worker, backend, b, extra = []) {
  return new Promise((resolve) => {
    const args = [worker, '--backend', backend, '--spec', JSON.stringify(spec(b)), '--seconds', String(seconds), '--warmup', String(warmupSteps),
      '--min-steps', '3', '--max-seconds', String(maxSeconds), ...extra];
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) return resolve(JSON.parse(line.slice(7)));
      resolve({ ok: false, backend: `tfjs-${backend}`, batchSize: b, error: `worker exited (${signal ?? `code ${code}`}) without a result` });
    });
  });
}

function candidates(b) {
  const list = [];
  for (let c = b; c >= Math.min(16, b); c = Math.floor(c / 2)) list.push(c);
  return list;
}

function tfjsRow(r) {
  const f = dogoStepFlops(spec(r.batchSize));
  return { ...r, imagesPerSecond: r.batchSize / r.secondsPerStep, gflopsPerSecond: f.perStep / r.secondsPerStep / 1e9, flops: f };
}

let tfjsWasmBatch;
if (!opt['no-tfjs']) {
  const worker = await bundleWorker();
  try {
    console.log(`tfjs-backend-wasm: trying batch ${candidates(batch).join(', ')} until one fits its heap`);
    for (const b of candidates(batch)) {
      const t = elapsed();
      const r = await runWorker(worker, 'wasm', b);
      tfjsAttempts.push({ backend: 'tfjs-wasm', batchSize: b, ok: r.ok, seconds: elapsed() - t, ...(r.ok ? {} : { phase: r.phase, error: r.error }) });
      if (r.ok) {
        results.push(tfjsRow(r));
        tfjsWasmBatch = b;
        console.log(`  batch ${b}: ${results.at(-1).imagesPerSecond.toFixed(2)} images/s`);
        break;
      }
      console.log(`  batch ${b}: failed in ${r.phase ?? 'the worker'} after ${(elapsed() - t).toFixed(0)} s: ${r.error}`);
      if (r.phase === 'setup' || r.phase === 'self-check') break; // not a memory problem: smaller batches fail too
    }
    if (ours.includes('reference') && tfjsWasmBatch !== undefined && referenceBatch < tfjsWasmBatch) {
      console.log(`tfjs-backend-wasm at the reference backend's batch ${referenceBatch}`);
      const r = await runWorker(worker, 'wasm', referenceBatch);
      tfjsAttempts.push({ backend: 'tfjs-wasm', batchSize: referenceBatch, ok: r.ok, ...(r.ok ? {} : { error: r.error }) });
      if (r.ok) results.push(tfjsRow(r));
    }
    console.log(`tfjs-backend-webgpu: ${opt['webgpu-software'] ? 'any adapter (--webgpu-software)' : 'hardware adapter only'}`);
    const gpuBatches = opt['webgpu-software'] ? [Math.min(...candidates(batch))] : candidates(batch);
    for (const b of gpuBatches) {
      const r = await runWorker(worker, 'webgpu', b, opt['webgpu-software'] ? ['--webgpu-software'] : []);
      tfjsAttempts.push({ backend: 'tfjs-webgpu', batchSize: b, ok: r.ok, ...(r.ok ? {} : { phase: r.phase, error: r.error }) });
      if (r.ok) { results.push(tfjsRow(r)); break; }
      console.log(`  batch ${b}: ${r.phase === 'setup' ? 'skipped' : 'failed'}: ${r.error}`);
      if (r.phase === 'setup' || r.phase === 'self-check') break;
    }
  } finally {
    rmSync(bundleDir, { recursive: true, force: true });
  }
}

// ---- ours, in this process ---------------------------------------------------------------------------------
for (const name of ours) {
  const batches = name === 'reference' ? [referenceBatch] : [...new Set([batch, ...(tfjsWasmBatch !== undefined ? [tfjsWasmBatch] : [])])];
  for (const b of batches) {
    console.log(`${name}: batch ${b}`);
    const backend = await createBackend(name);
    const m = await measureDogoStep(backend, spec(b), {
      seconds, warmupSteps, minSteps: name === 'reference' ? 1 : 3, maxSeconds,
      onStep: (s) => console.log(`    [${name} batch ${b}] ${s.phase} step ${s.index + 1}: ${s.seconds.toFixed(3)} s`),
    });
    results.push(m);
  }
}

// ---- table and JSON ----------------------------------------------------------------------------------------
const tfjsAt = (b) => results.find((r) => r.backend === 'tfjs-wasm' && r.batchSize === b);
const tfjsBest = tfjsWasmBatch === undefined ? undefined : tfjsAt(tfjsWasmBatch);
const tfjsFailedAt = (b) => tfjsAttempts.some((a) => a.backend === 'tfjs-wasm' && a.batchSize === b && !a.ok);
const rows = results.map((r) => {
  const t = tfjsAt(r.batchSize);
  return {
    ...r,
    /** Against tfjs-wasm at the same batch. */
    vsTfjsWasm: t ? r.imagesPerSecond / t.imagesPerSecond : null,
    /** Against tfjs-wasm at the largest batch it survives (each side at its own batch). */
    vsTfjsWasmLargestBatch: tfjsBest ? r.imagesPerSecond / tfjsBest.imagesPerSecond : null,
  };
});
const header = ['backend', 'batch', 'images/s', 'GFLOP/s', 's/step', 'steps', 'vs tfjs-wasm'];
const cells = rows.map((r) => [r.backend, String(r.batchSize), r.imagesPerSecond.toFixed(r.imagesPerSecond < 10 ? 3 : 1), r.gflopsPerSecond.toFixed(2),
  r.secondsPerStep.toFixed(3), String(r.stepSeconds.length), r.vsTfjsWasm !== null ? `${r.vsTfjsWasm.toFixed(2)}x` : tfjsFailedAt(r.batchSize) ? 'tfjs fails' : '-']);
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
const line = (c) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
for (const c of cells) console.log(line(c));
if (tfjsBest) {
  for (const r of rows.filter((x) => !x.backend.startsWith('tfjs') && x.batchSize !== tfjsBest.batchSize)) {
    console.log(`${r.backend} at batch ${r.batchSize}: ${r.vsTfjsWasmLargestBatch.toFixed(2)}x tfjs-wasm at its largest batch, ${tfjsBest.batchSize} (${r.imagesPerSecond.toFixed(2)} vs ${tfjsBest.imagesPerSecond.toFixed(2)} images/s)`);
  }
}
const threadNote = results.find((r) => r.backend === 'tfjs-wasm')?.backendInfo;
const notesOut = [
  ...notes,
  `images/s = batch / mean seconds per timed step, after ${warmupSteps} untimed warm-up step(s); a timed step is never started past ${maxSeconds} s of timed steps once one has run.`,
  `GFLOP/s = analytic FLOPs per step / seconds per step. ${FLOP_CONVENTION}`,
  'Measured on both sides: upload of the uint8 batch, host-side sampling of crop boxes, per model two random-resized-crop views (scale 0.08-1, ratio 3/4-4/3, horizontal flip p 0.5, bilinear) normalised, forward of both views as one batch of 2N through encoder and head with batch norm in training mode (running statistics updated), NT-Xent (tau 0.5) per model, DoGo KL (tau 0.1, reduction mean, peer side constant) with lambda 100 / 1, backward, one Adam update per model (lr 3e-4, weight decay 1e-6 as L2), read-back of the losses.',
  'tfjs: @tensorflow/tfjs-core 4.22 in NHWC; tfjs-backend-wasm registers no Conv2DBackpropFilter, so weight gradients are composed from tfjs ops (transpose, per-tap slice + matMul) in a tf.customGrad; input gradients use its own Conv2DBackpropInput kernel (what tf.grad uses), about half of its kernel time in tf.profile at batch 8 (the composed weight gradients about a quarter).',
  threadNote ? `tfjs-backend-wasm ran with ${threadNote.threads} thread(s) (SIMD ${threadNote.simd}, multithreading ${threadNote.multithread}: its threaded build needs Web Workers, which Node lacks); our wasm backend uses its own worker threads.` : undefined,
  ...results.filter((r) => r.backend.startsWith('tfjs')).slice(0, 1).map((r) => {
    const oursParams = flops1.models.reduce((a, m) => a + m.parameters, 0);
    return `trainable parameters: ours ${oursParams.toLocaleString('en-US')}, tfjs ${r.parameters.toLocaleString('en-US')}${r.parameters === oursParams ? ' (the same models)' : ' (MISMATCH: the tfjs models differ from ours)'}.`;
  }),
  'tfjs-backend-wasm\'s heap is a 4 GiB wasm32 memory; each batch is tried in a fresh process, the largest that completes a step is measured, and our backends run at that batch as well as at --batch.',
].filter(Boolean);
const json = {
  benchmark: 'dogo-step',
  date: new Date().toISOString(),
  command: `node benchmarks/dogo-step/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  machine: { cpu: os.cpus()[0]?.model, logicalCores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}`, memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1), loadAverageStart: loadStart, loadAverageEnd: os.loadavg() },
  config: { ...DOGO_STEP_REFERENCE, batchSize: batch, referenceBatch, tfjsWasmBatch: tfjsWasmBatch ?? null },
  timing: { seconds, warmupSteps, minSteps: 3, minStepsReference: 1, maxSeconds },
  flopsPerImage: flops1,
  tfjsAttempts,
  results: rows,
  notes: notesOut,
  totalSeconds: elapsed(),
};
const outFile = opt.out ? path.resolve(opt.out) : path.join(root, 'benchmarks', 'results', 'dogo-step.json');
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, `${JSON.stringify(json, null, 2)}\n`);
console.log(`\n${notesOut.map((n) => `- ${n}`).join('\n')}\n\nwrote ${path.relative(process.cwd(), outFile)} (${elapsed().toFixed(0)} s in all)`);
process.exit(0);
