#!/usr/bin/env node
// images/s of one DoGo training step (forward, backward and Adam update of a ResNet student 32/64/128 and its
// peer 64/128/256, two random-resized-crop views each, 28x28x1 random images, batch 256) on our backends and,
// in the same run, the same step in PyTorch (torch_step.py, channels-last, all cores, when a Python with torch
// is present), written with tfjs-core on tfjs-backend-wasm (and tfjs-backend-webgpu where a hardware WebGPU
// adapter exists), and the wasm FMA ceiling of this machine (peak_probe.mjs). The contenders run in turn, each
// in its own process, for --rounds rounds, so that load from other processes falls on all of them alike; the
// table gives every round, then the ratio to PyTorch and the share of the wasm peak per round and their median.
// Needs the packages built first (npm run build, or npx turbo run build).
//
//   node benchmarks/dogo-step/run.mjs [--batch N] [--seconds S] [--rounds R] [--backends a,b] [--tune MODE]
//        [--baseline-im2col] [--python PATH] [--no-torch] [--no-tfjs] [--no-peak] [--include-reference]
//        [--reference-batch N] [--webgpu-software] [--out FILE]
//
// Our backends are every name in @dogo/cli's BACKENDS except 'reference' (float64 TypeScript, minutes per
// step; add --include-reference to run it once at --reference-batch, default 4), with kernel tuning --tune
// (default quick; the choices are cached, so only the first round times them). --baseline-im2col adds our
// wasm step with every convolution on im2col (the step before Winograd). tfjs-backend-wasm cannot hold a
// batch-256 step in its 4 GiB heap: in the first round each batch of 256, 128, 64, 32, 16 (halvings of
// --batch) is tried in a fresh process until one survives; later rounds use that batch, and our backends are
// measured at it too, so the tfjs ratio compares equal batches. Writes benchmarks/results/dogo-step.json.
// About 3 minutes per round on 2 cores at the defaults.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { measureWasmPeak } from './peak_probe.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const started = performance.now();
const loadStart = os.loadavg();
const elapsed = () => (performance.now() - started) / 1000;

const { values: opt } = parseArgs({
  options: {
    batch: { type: 'string' }, seconds: { type: 'string', default: '20' }, rounds: { type: 'string', default: '2' }, backends: { type: 'string' },
    tune: { type: 'string', default: 'quick' }, 'baseline-im2col': { type: 'boolean', default: false }, python: { type: 'string', default: '/usr/bin/python3' },
    'no-torch': { type: 'boolean', default: false }, 'no-peak': { type: 'boolean', default: false },
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
if (!existsSync(cliDist) || !readFileSync(cliDist, 'utf8').includes('kernelChoicesOf')) {
  console.error(`${path.relative(root, cliDist)} is ${existsSync(cliDist) ? 'stale (no kernelChoicesOf)' : 'missing'}: build first with \`npm run build\` (or \`npx turbo run build\`) at the repository root.`);
  process.exit(2);
}
const cli = await import('@dogo/cli');
const { BACKENDS, DOGO_STEP_REFERENCE, dogoStepFlops, FLOP_CONVENTION } = cli;

const batch = opt.batch === undefined ? DOGO_STEP_REFERENCE.batchSize : positiveInt(opt.batch, '--batch');
const rounds = positiveInt(opt.rounds, '--rounds');
const seconds = Number(opt.seconds);
if (!(seconds > 0)) { console.error(`--seconds expects a positive number, got "${opt.seconds}"`); process.exit(2); }
if (!['off', 'quick', 'full'].includes(opt.tune)) { console.error(`--tune expects off, quick or full, got "${opt.tune}"`); process.exit(2); }
const warmupSteps = Number(opt.warmup);
// A step never starts when it would take the timed part of one measurement past this, so that slow
// configurations (tfjs at its largest batch) keep the whole run within minutes; at least one step is timed.
const maxSeconds = 5 * seconds;
const referenceBatch = Math.min(batch, positiveInt(opt['reference-batch'], '--reference-batch'));

// ---- which contenders ---------------------------------------------------------------------------------------
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
const torchVersion = opt['no-torch'] ? null : await probeTorch(opt.python);
if (!opt['no-torch'] && !torchVersion) notes.push(`pytorch skipped: ${opt.python} cannot import torch (pass --python PATH)`);

const spec = (b) => ({ ...DOGO_STEP_REFERENCE, batchSize: b });
const flops1 = dogoStepFlops(spec(1));
const cpu = `${os.cpus()[0]?.model?.trim()} x ${os.cpus().length}`;
console.log(`DoGo step: ${DOGO_STEP_REFERENCE.models.map((m) => `${m.name} resnetSmall [${m.stageChannels.join(',')}]x${m.blocksPerStage}`).join(' + ')}; heads ${DOGO_STEP_REFERENCE.headHidden}->${DOGO_STEP_REFERENCE.headOut}; ${DOGO_STEP_REFERENCE.imageShape.join('x')} inputs`);
console.log(`FLOPs: ${(flops1.perImage / 1e9).toFixed(3)} GFLOP per image per step (forward ${(flops1.forwardPerImage / 1e9).toFixed(3)} GFLOP per image and view, both models, x3 for forward + backward, x2 views)`);
console.log(`cpu: ${cpu}, node ${process.version}; ours: ${ours.join(', ') || '(none)'} (tune ${opt.tune})${opt['baseline-im2col'] ? ' + wasm im2col' : ''}; pytorch: ${torchVersion ?? 'off'}; tfjs: ${opt['no-tfjs'] ? 'off' : 'wasm (+ webgpu on a hardware adapter)'}; peak probe: ${opt['no-peak'] ? 'off' : 'on'}; ${rounds} round(s)\n`);
if (loadStart[0] > 0.5) notes.push(`the 1-minute load average was ${loadStart[0].toFixed(2)} at the start: other processes share the ${os.cpus().length} cores, so every number here is low and noisy; compare within a round`);
for (const n of notes) console.log(`note: ${n}`);

// ---- child processes -------------------------------------------------------------------------------------------
function probeTorch(python) {
  return new Promise((resolve) => {
    const child = spawn(python, ['-c', 'import torch; print(torch.__version__)'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code === 0 ? out.trim() : null));
  });
}

/** Runs a measuring child; resolves to its RESULT object (or a failure record). */
function runChild(command, args, label, b) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', (e) => resolve({ ok: false, backend: label, batchSize: b, error: e.message }));
    child.on('close', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) return resolve(JSON.parse(line.slice(7)));
      resolve({ ok: false, backend: label, batchSize: b, error: `process exited (${signal ?? `code ${code}`}) without a result` });
    });
  });
}
const timing = (b) => ['--spec', JSON.stringify(spec(b)), '--seconds', String(seconds), '--warmup', String(warmupSteps), '--min-steps', '3', '--max-seconds', String(maxSeconds)];
const runOurs = (name, b, extra = []) => runChild(process.execPath, [path.join(here, 'ours_worker.mjs'), '--backend', name, '--tune', opt.tune, ...timing(b), ...extra], name, b);
const runTorch = (b) => runChild(opt.python, [path.join(here, 'torch_step.py'), ...timing(b)], 'pytorch', b);

let bundleDir;
async function bundleTfjsWorker() {
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
const runTfjs = (worker, backend, b, extra = []) => runChild(process.execPath, [worker, '--backend', backend, ...timing(b), ...extra], `tfjs-${backend}`, b);
const candidates = (b) => {
  const list = [];
  for (let c = b; c >= Math.min(16, b); c = Math.floor(c / 2)) list.push(c);
  return list;
};

// ---- rounds ------------------------------------------------------------------------------------------------------
const results = [];
const tfjsAttempts = [];
let tfjsWasmBatch, tfjsGpuBatch;
const record = (round, r, extra = {}) => {
  const row = { round, loadAverage: os.loadavg()[0], ...r, ...extra };
  if (row.ok !== false && row.secondsPerStep) {
    const f = dogoStepFlops(spec(row.batchSize));
    row.imagesPerSecond = row.batchSize / row.secondsPerStep;
    row.gflopsPerSecond = f.perStep / row.secondsPerStep / 1e9;
  }
  results.push(row);
  const what = row.ok === false ? `failed: ${row.error?.split('\n')[0]}` : row.gflops !== undefined ? `${row.gflops.toFixed(1)} GFLOP/s` : `${row.imagesPerSecond.toFixed(2)} images/s, ${row.gflopsPerSecond.toFixed(1)} GFLOP/s`;
  console.log(`  round ${round}: ${row.backend}${row.batchSize ? ` batch ${row.batchSize}` : ''}: ${what} (load ${row.loadAverage.toFixed(2)})`);
  return row;
};

const worker = opt['no-tfjs'] ? null : await bundleTfjsWorker();
try {
  for (let round = 1; round <= rounds; round++) {
    console.log(`round ${round} of ${rounds} (${elapsed().toFixed(0)} s)`);
    if (!opt['no-peak']) record(round, { backend: 'wasm peak (FMA probe)', ...(await measureWasmPeak({ threads: os.availableParallelism(), seconds: 2 })) });
    for (const name of ours.filter((n) => n !== 'reference')) {
      for (const b of [...new Set([batch, ...(tfjsWasmBatch !== undefined ? [tfjsWasmBatch] : [])])]) record(round, await runOurs(name, b));
    }
    if (opt['baseline-im2col']) record(round, await runOurs('wasm', batch, ['--conv', 'im2col']));
    if (torchVersion) record(round, await runTorch(batch));
    if (worker) {
      const tries = tfjsWasmBatch !== undefined ? [tfjsWasmBatch] : candidates(batch);
      for (const b of tries) {
        const t = elapsed();
        const r = await runTfjs(worker, 'wasm', b);
        tfjsAttempts.push({ backend: 'tfjs-wasm', round, batchSize: b, ok: r.ok, seconds: elapsed() - t, ...(r.ok ? {} : { phase: r.phase, error: r.error }) });
        if (r.ok) {
          record(round, r);
          if (tfjsWasmBatch === undefined) {
            tfjsWasmBatch = b;
            // our backends at tfjs' batch too, in this round
            for (const name of ours.filter((n) => n !== 'reference' && b !== batch)) record(round, await runOurs(name, b));
          }
          break;
        }
        console.log(`  round ${round}: tfjs-wasm batch ${b} failed in ${r.phase ?? 'the worker'} after ${(elapsed() - t).toFixed(0)} s: ${r.error}`);
        if (r.phase === 'setup' || r.phase === 'self-check') break; // not a memory problem: smaller batches fail too
      }
      if (round === 1 || tfjsGpuBatch !== undefined) {
        const gpuTries = tfjsGpuBatch !== undefined ? [tfjsGpuBatch] : opt['webgpu-software'] ? [Math.min(...candidates(batch))] : candidates(batch);
        for (const b of gpuTries) {
          const r = await runTfjs(worker, 'webgpu', b, opt['webgpu-software'] ? ['--webgpu-software'] : []);
          tfjsAttempts.push({ backend: 'tfjs-webgpu', round, batchSize: b, ok: r.ok, ...(r.ok ? {} : { phase: r.phase, error: r.error }) });
          if (r.ok) { record(round, r); tfjsGpuBatch = b; break; }
          if (round === 1) console.log(`  round ${round}: tfjs-webgpu batch ${b}: ${r.phase === 'setup' ? 'skipped' : 'failed'}: ${r.error?.split('\n')[0]}`);
          if (r.phase === 'setup' || r.phase === 'self-check') break;
        }
      }
    }
    if (round === 1 && ours.includes('reference')) record(round, await runOurs('reference', referenceBatch));
  }
} finally {
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
}

// ---- table, ratios and JSON ----------------------------------------------------------------------------------
const ok = results.filter((r) => r.ok !== false);
const find = (round, backend, b) => ok.find((r) => r.round === round && r.backend === backend && (b === undefined || r.batchSize === b));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rows = results.map((r) => {
  if (r.ok === false || r.gflops !== undefined) return r;
  const torch = find(r.round, 'pytorch', r.batchSize);
  const peak = find(r.round, 'wasm peak (FMA probe)');
  const tfjs = find(r.round, 'tfjs-wasm', r.batchSize);
  return {
    ...r,
    /** images/s over PyTorch's in the same round at the same batch. */
    vsPytorch: torch && r.backend !== 'pytorch' ? r.imagesPerSecond / torch.imagesPerSecond : null,
    /** GFLOP/s over the wasm FMA peak of the same round. */
    peakShare: peak ? r.gflopsPerSecond / peak.gflops : null,
    /** images/s over tfjs-wasm's in the same round at the same batch. */
    vsTfjsWasm: tfjs && !r.backend.startsWith('tfjs') ? r.imagesPerSecond / tfjs.imagesPerSecond : null,
  };
});
const header = ['round', 'contender', 'batch', 'images/s', 'GFLOP/s', 's/step', 'vs PyTorch', 'of wasm peak', 'vs tfjs-wasm', 'load'];
const pct = (v) => (v === null || v === undefined ? '-' : `${(100 * v).toFixed(0)}%`);
const times = (v) => (v === null || v === undefined ? '-' : `${v.toFixed(2)}x`);
const cells = rows.map((r) => (r.ok === false
  ? [String(r.round), r.backend, String(r.batchSize ?? '-'), 'failed', '-', '-', '-', '-', '-', r.loadAverage.toFixed(2)]
  : r.gflops !== undefined
    ? [String(r.round), r.backend, '-', '-', r.gflops.toFixed(1), '-', '-', '100%', '-', r.loadAverage.toFixed(2)]
    : [String(r.round), r.backend, String(r.batchSize), r.imagesPerSecond.toFixed(r.imagesPerSecond < 10 ? 3 : 2), r.gflopsPerSecond.toFixed(1), r.secondsPerStep.toFixed(3),
      times(r.vsPytorch), pct(r.peakShare), times(r.vsTfjsWasm), r.loadAverage.toFixed(2)]));
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
const line = (c) => c.map((v, i) => (i === 1 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
for (const c of cells) console.log(line(c));

const summary = {};
for (const name of new Set(rows.filter((r) => r.ok !== false && r.gflops === undefined && r.backend !== 'pytorch' && r.batchSize === batch).map((r) => r.backend))) {
  const mine = rows.filter((r) => r.backend === name && r.batchSize === batch && r.ok !== false);
  summary[name] = {
    vsPytorch: mine.map((r) => r.vsPytorch).filter((v) => v !== null), peakShare: mine.map((r) => r.peakShare).filter((v) => v !== null),
    imagesPerSecond: mine.map((r) => r.imagesPerSecond),
  };
  const s = summary[name];
  s.medianVsPytorch = median(s.vsPytorch);
  s.medianPeakShare = median(s.peakShare);
  console.log(`${name} at batch ${batch}: ${s.imagesPerSecond.map((v) => v.toFixed(2)).join(', ')} images/s; vs PyTorch ${s.vsPytorch.map((v) => v.toFixed(2)).join(', ') || '-'} (median ${s.medianVsPytorch?.toFixed(2) ?? '-'}); of the wasm peak ${s.peakShare.map(pct).join(', ') || '-'}`);
}
const tfjsNote = ok.find((r) => r.backend === 'tfjs-wasm')?.backendInfo;
const torchNote = ok.find((r) => r.backend === 'pytorch');
const oursParams = flops1.models.reduce((a, m) => a + m.parameters, 0);
const notesOut = [
  ...notes,
  `images/s = batch / mean seconds per timed step, after ${warmupSteps} untimed warm-up step(s); a timed step is never started past ${maxSeconds} s of timed steps once one has run. Every contender runs in its own process, in turn, ${rounds} round(s); ratios compare contenders of the same round.`,
  `GFLOP/s = analytic FLOPs per step / seconds per step. ${FLOP_CONVENTION} The wasm peak is the GFLOP/s of independent f32x4 multiply-adds on every core (peak_probe.mjs): the ceiling of 128-bit wasm SIMD without fast algorithms; Winograd convolutions do fewer multiplies than counted, so a share above 100% is possible.`,
  'Measured on every side: upload of the uint8 batch, host-side sampling of crop boxes, per model two random-resized-crop views (scale 0.08-1, ratio 3/4-4/3, horizontal flip p 0.5, bilinear) normalised, forward of both views as one batch of 2N through encoder and head with batch norm in training mode (running statistics updated), NT-Xent (tau 0.5) per model, DoGo KL (tau 0.1, reduction mean, peer side constant) with lambda 100 / 1, backward, one Adam update per model (lr 3e-4, weight decay 1e-6 as L2), read-back of the losses.',
  torchNote ? `pytorch: torch ${torchNote.backendInfo.torch}, ${torchNote.backendInfo.threads} threads, ${torchNote.backendInfo.memoryFormat}, oneDNN ${torchNote.backendInfo.mkldnn ? 'on' : 'off'}; crops by affine_grid + grid_sample; trainable parameters ${torchNote.parameters.toLocaleString('en-US')}${torchNote.parameters === oursParams ? ' (the same models as ours)' : ` (MISMATCH: ours have ${oursParams.toLocaleString('en-US')})`}.` : undefined,
  'tfjs: @tensorflow/tfjs-core 4.22 in NHWC; tfjs-backend-wasm registers no Conv2DBackpropFilter, so weight gradients are composed from tfjs ops (transpose, per-tap slice + matMul) in a tf.customGrad; input gradients use its own Conv2DBackpropInput kernel.',
  tfjsNote ? `tfjs-backend-wasm ran with ${tfjsNote.threads} thread(s) (SIMD ${tfjsNote.simd}, multithreading ${tfjsNote.multithread}: its threaded build needs Web Workers, which Node lacks); our wasm backend uses its own worker threads.` : undefined,
  'tfjs-backend-wasm\'s heap is a 4 GiB wasm32 memory; in round 1 each batch is tried in a fresh process and the largest that completes a step is used from then on; our backends run at that batch as well as at --batch.',
].filter(Boolean);
const json = {
  benchmark: 'dogo-step',
  date: new Date().toISOString(),
  command: `node benchmarks/dogo-step/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  machine: { cpu, logicalCores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}`, memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1), loadAverageStart: loadStart, loadAverageEnd: os.loadavg() },
  config: { ...DOGO_STEP_REFERENCE, batchSize: batch, referenceBatch, tfjsWasmBatch: tfjsWasmBatch ?? null, rounds, tune: opt.tune },
  timing: { seconds, warmupSteps, minSteps: 3, maxSeconds },
  flopsPerImage: flops1,
  summary,
  tfjsAttempts,
  results: rows.map(({ profile, ...r }) => r),
  notes: notesOut,
  totalSeconds: elapsed(),
};
const outFile = opt.out ? path.resolve(opt.out) : path.join(root, 'benchmarks', 'results', 'dogo-step.json');
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, `${JSON.stringify(json, null, 2)}\n`);
console.log(`\n${notesOut.map((n) => `- ${n}`).join('\n')}\n\nwrote ${path.relative(process.cwd(), outFile)} (${elapsed().toFixed(0)} s in all)`);
process.exit(0);
