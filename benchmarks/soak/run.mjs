#!/usr/bin/env node
// Soak: does a long `dogo train` keep its memory flat? Runs the real command (the default pair on the embedded
// subset, kNN only at the end, a checkpoint every --checkpoint-every steps) as a child process per backend and
// samples its resident memory (VmRSS from /proc) and the step it is at (lines of metrics.jsonl) every
// --sample-seconds. Reports per backend the RSS after warm-up, at the end, the peak, and the least-squares slope
// of RSS over steps after warm-up (the first --warmup-fraction of the steps), in MiB per 1000 steps; a flat run
// has a slope near 0. Linux only (/proc). Needs the packages built first (npm run build).
//
//   node benchmarks/soak/run.mjs [--wasm-steps 5000] [--webgpu-steps 200] [--backends wasm,webgpu]
//        [--sample-seconds 2] [--warmup-fraction 0.1] [--checkpoint-every 250] [--webgpu-batch-size N] [--out FILE]
//
// WebGPU runs on whatever adapter Dawn finds; on a machine without a GPU that is SwiftShader (needs the chromium
// package): on 2 shared cores the first step of the default pair took over 10 minutes (pipeline compilation and
// the step), so there use --webgpu-batch-size to soak a smaller batch. Writes benchmarks/results/soak.json (also
// every minute while running, marked partial, and on SIGINT/SIGTERM with the figures so far) and prints a table.
// 5,000 wasm steps took 37 min on 2 quiet AMD EPYC cores (2.26 steps/s, 2026-12-06).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readSync, closeSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const main = path.join(root, 'packages', 'cli', 'dist', 'main.js');

const { values: opt } = parseArgs({
  options: {
    'wasm-steps': { type: 'string', default: '5000' }, 'webgpu-steps': { type: 'string', default: '200' }, backends: { type: 'string', default: 'wasm,webgpu' },
    'sample-seconds': { type: 'string', default: '2' }, 'webgpu-batch-size': { type: 'string' }, 'warmup-fraction': { type: 'string', default: '0.1' }, 'checkpoint-every': { type: 'string', default: '250' },
    out: { type: 'string', default: path.join(root, 'benchmarks', 'results', 'soak.json') }, help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
  console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}
const positive = (v, flag, int = true) => {
  const n = Number(v);
  if (!(n > 0) || (int && !Number.isInteger(n))) { console.error(`${flag} expects a positive ${int ? 'integer' : 'number'}, got "${v}"`); process.exit(2); }
  return n;
};
if (!existsSync(main)) { console.error(`${path.relative(root, main)} is missing: build first with \`npm run build\``); process.exit(2); }
if (!existsSync('/proc/self/status')) { console.error('the soak benchmark reads /proc: Linux only'); process.exit(2); }
const stepsFor = { wasm: positive(opt['wasm-steps'], '--wasm-steps'), webgpu: positive(opt['webgpu-steps'], '--webgpu-steps') };
const sampleMs = 1000 * positive(opt['sample-seconds'], '--sample-seconds', false);
const warmupFraction = Number(opt['warmup-fraction']);
if (!(warmupFraction >= 0 && warmupFraction < 1)) { console.error(`--warmup-fraction expects a number in [0, 1), got "${opt['warmup-fraction']}"`); process.exit(2); }
const backends = opt.backends.split(',').filter(Boolean);
for (const b of backends) if (!(b in stepsFor)) { console.error(`unknown backend "${b}"; choose wasm, webgpu`); process.exit(2); }

const MiB = 1024 * 1024;

function rssBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Counts newline-terminated lines of a growing file, reading only what was appended since the last call. */
function lineCounter(file) {
  let offset = 0;
  let lines = 0;
  const buf = Buffer.alloc(1 << 16);
  return () => {
    if (!existsSync(file)) return lines;
    if (statSync(file).size < offset) { offset = 0; lines = 0; }
    const fd = openSync(file, 'r');
    try {
      for (let n; (n = readSync(fd, buf, 0, buf.length, offset)) > 0; offset += n) for (let i = 0; i < n; i++) if (buf[i] === 10) lines++;
    } finally {
      closeSync(fd);
    }
    return lines;
  };
}

/** Least-squares slope of y over x. */
function slope(points) {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let sxy = 0, sxx = 0;
  for (const [x, y] of points) { sxy += (x - mx) * (y - my); sxx += (x - mx) ** 2; }
  return sxx > 0 ? sxy / sxx : NaN;
}

/** The figures of one backend's samples: RSS after warm-up, at the end, peak, and the slope after warm-up. */
function summarise(backend, steps, seconds, samples, exit) {
  // Training samples only (the step count still rising), after warm-up.
  const training = samples.filter((s) => s.step > 0 && s.step < steps);
  const warm = training.filter((s) => s.step >= warmupFraction * steps);
  const fit = slope(warm.map((s) => [s.step, s.rssMiB]));
  const reached = samples.at(-1)?.step ?? 0;
  return {
    backend, steps, stepsReached: reached, ok: exit === 0, exit, seconds, stepsPerSecond: reached / seconds,
    rssAfterWarmupMiB: warm[0]?.rssMiB, rssEndMiB: warm.at(-1)?.rssMiB, rssPeakMiB: training.length ? Math.max(...training.map((s) => s.rssMiB)) : undefined,
    slopeMiBPer1000Steps: 1000 * fit, warmupSteps: Math.round(warmupFraction * steps), samplesFitted: warm.length, samples,
  };
}

const results = [];
let current;

function writeResults(partial) {
  mkdirSync(path.dirname(opt.out), { recursive: true });
  const all = current ? [...results, current()] : results;
  writeFileSync(opt.out, JSON.stringify({
    benchmark: 'soak', partial, date: new Date().toISOString(), machine: { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? '?', node: process.version, loadavg: os.loadavg() },
    command: `node benchmarks/soak/run.mjs ${process.argv.slice(2).join(' ')}`.trim(), config: 'default pair (student 8/16/32, peer 16/32/64), batch 128 unless --webgpu-batch-size, embedded Fashion-MNIST subset', results: all,
  }, null, 2));
  return all;
}

function printTable(all) {
  const f = (v, d = 1) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(d));
  console.log('\n| backend | steps run / asked | exit | steps/s | RSS after warm-up (MiB) | RSS end (MiB) | peak (MiB) | slope (MiB / 1000 steps) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of all) console.log(`| ${r.backend} | ${r.stepsReached} / ${r.steps} | ${r.exit} | ${f(r.stepsPerSecond, 3)} | ${f(r.rssAfterWarmupMiB)} | ${f(r.rssEndMiB)} | ${f(r.rssPeakMiB)} | ${f(r.slopeMiBPer1000Steps, 2)} |`);
  console.log(`\nresults: ${path.relative(root, opt.out)}`);
}

async function soak(backend, steps) {
  const out = mkdtempSync(path.join(os.tmpdir(), `dogo-soak-${backend}-`));
  const args = [main, 'train', '--backend', backend, '--steps', String(steps), '--out', out, '--eval-every', '0', '--linear-epochs', '0', '--checkpoint-every', opt['checkpoint-every']];
  if (backend === 'webgpu' && opt['webgpu-batch-size']) args.push('--batch-size', opt['webgpu-batch-size']);
  console.log(`== ${backend}: node ${args.map((a) => path.relative(root, a) || a).join(' ')}`);
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (d) => { tail = (tail + d.toString()).slice(-4000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const steps_ = lineCounter(path.join(out, 'metrics.jsonl'));
  const samples = [];
  current = () => summarise(backend, steps, (performance.now() - t0) / 1000, samples, 'running');
  const stopChild = (sig) => {
    child.kill('SIGKILL');
    const all = writeResults(true);
    console.log(`\n${sig}: stopped; figures so far:`);
    printTable(all);
    rmSync(out, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', stopChild);
  process.once('SIGTERM', stopChild);
  const sample = () => {
    const rss = rssBytes(child.pid);
    if (rss !== undefined) samples.push({ seconds: (performance.now() - t0) / 1000, step: steps_(), rssMiB: rss / MiB });
  };
  const timer = setInterval(() => {
    sample();
    const s = samples.at(-1);
    if (s && samples.length % Math.max(1, Math.round(60_000 / sampleMs)) === 0) {
      console.log(`  ${backend}: step ${s.step}/${steps}, RSS ${s.rssMiB.toFixed(0)} MiB, ${s.seconds.toFixed(0)} s`);
      writeResults(true);
    }
  }, sampleMs);
  const code = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(c ?? sig)));
  clearInterval(timer);
  process.off('SIGINT', stopChild);
  process.off('SIGTERM', stopChild);
  current = undefined;
  rmSync(out, { recursive: true, force: true });
  if (code !== 0) console.error(`${backend}: dogo train exited with ${code}:\n${tail}`);
  return summarise(backend, steps, (performance.now() - t0) / 1000, samples, code);
}

for (const b of backends) results.push(await soak(b, stepsFor[b]));
printTable(writeResults(false));
process.exit(results.every((r) => r.ok) ? 0 : 1);
