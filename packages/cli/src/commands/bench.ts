/**
 * `dogo bench`: images/s and GFLOP/s of one DoGo training step of the benchmark's reference cohort on one of
 * our backends (bench/dogo_step.ts), with kernel tuning (--tune) and a per-kernel, per-layer profile
 * (--profile). The comparison with PyTorch and tfjs is benchmarks/dogo-step/run.mjs, not this.
 */
import { parseArgs } from 'node:util';
import { TUNE_MODES, type TuneMode } from '@dogo/core';
import { selectBackend } from '../backends.js';
import { DOGO_STEP_REFERENCE, REFERENCE_BACKEND_BENCH, dogoStepFlops, formatMeasurement, measureDogoStep } from '../bench/dogo_step.js';
import { formatProfile } from '../bench/profile_report.js';
import { ConfigError } from '../train/train_config.js';

export const BENCH_HELP = `usage: dogo bench [options]

Times one DoGo training step (forward, backward and Adam update of a ResNet student 32/64/128 and its peer
64/128/256, two random-resized-crop views each, 28x28x1 random images) and prints images/s and GFLOP/s.

  --backend NAME     auto | wasm | webgpu | reference (default auto: WebGPU on a hardware adapter, else wasm)
  --batch N          images per step (default ${DOGO_STEP_REFERENCE.batchSize}; ${REFERENCE_BACKEND_BENCH.batchSize} on the reference backend, which is slow)
  --seconds S        time steps for about S seconds (default 20)
  --warmup N         untimed steps first (default 1)
  --min-steps N      timed steps at least (default 3; ${REFERENCE_BACKEND_BENCH.minSteps} on the reference backend)
  --threads N        wasm worker threads (default: all cores)
  --tune MODE        off | quick | full (default quick): time kernel candidates per shape at compile and keep
                     the fastest (wasm: im2col or Winograd F(2x2)/F(4x4)/F(6x6) per convolution; WebGPU: GEMM
                     tilings, split-K factors, stride phases); choices are cached in ~/.cache/dogo/tuning.json
                     (DOGO_CACHE_DIR or XDG_CACHE_HOME move it) and reused; off: fixed rules, as dogo train
  --profile          after timing, profile one more step: time per kernel kind, per layer and per layer and
                     kernel (wasm: host clock per plan step; WebGPU: GPU timestamps where the adapter has
                     timestamp-query, else one submit per dispatch), each with its share of the step
  --json             print the measurement as JSON instead of the summary`;

function num(v: string | undefined, flag: string, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new ConfigError(`${flag} expects a positive ${integer ? 'integer' : 'number'}, got "${v}"`);
  return n;
}

export async function benchCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(BENCH_HELP);
    return 0;
  }
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      backend: { type: 'string' }, batch: { type: 'string' }, seconds: { type: 'string' }, warmup: { type: 'string' },
      'min-steps': { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' },
      tune: { type: 'string' }, profile: { type: 'boolean' },
    },
  });
  const warmup = values.warmup === '0' ? 0 : num(values.warmup, '--warmup', true);
  const threads = num(values.threads, '--threads', true);
  const tune = (values.tune ?? 'quick') as TuneMode;
  if (!TUNE_MODES.includes(tune)) throw new ConfigError(`--tune expects one of ${TUNE_MODES.join(', ')}, got "${values.tune}"`);
  const { backend, reason } = await selectBackend(values.backend ?? 'auto', { tune, ...(threads === undefined ? {} : { threads }) });
  const isReference = backend.name === 'reference';
  const batchSize = num(values.batch, '--batch', true) ?? (isReference ? REFERENCE_BACKEND_BENCH.batchSize : DOGO_STEP_REFERENCE.batchSize);
  const spec = { ...DOGO_STEP_REFERENCE, batchSize };
  const flops = dogoStepFlops(spec);
  const log = (l: string) => { if (!values.json) console.log(l); };
  log(`backend: ${backend.name} (${reason}); tuning ${tune}`);
  log(`step: ${spec.models.map((m) => `${m.name} resnetSmall [${m.stageChannels.join(',')}]x${m.blocksPerStage}`).join(' + ')}, heads ${spec.headHidden}->${spec.headOut}, ${spec.imageShape.join('x')} inputs, batch ${batchSize}`);
  log(`FLOPs: ${(flops.perImage / 1e9).toFixed(3)} GFLOP per image per step, ${(flops.perStep / 1e9).toFixed(1)} GFLOP per step (forward x3 for backward, x2 views, both models)`);
  const m = await measureDogoStep(backend, spec, {
    seconds: num(values.seconds, '--seconds', false) ?? 20,
    ...(warmup === undefined ? {} : { warmupSteps: warmup }),
    minSteps: num(values['min-steps'], '--min-steps', true) ?? (isReference ? REFERENCE_BACKEND_BENCH.minSteps : 3),
    onStep: (s) => log(`  ${s.phase} step ${s.index + 1}: ${s.seconds.toFixed(3)} s`),
    profile: values.profile ?? false,
  });
  if (values.json) {
    console.log(JSON.stringify({ reason, tune, spec, ...m }, null, 2));
    return 0;
  }
  const bySource = new Map<string, number>();
  for (const c of m.kernelChoices) bySource.set(c.source, (bySource.get(c.source) ?? 0) + 1);
  if (m.kernelChoices.length > 0) {
    log(`kernel choices (${[...bySource].map(([k, n]) => `${n} ${k}`).join(', ')}):`);
    const distinct = new Map<string, number>();
    for (const c of m.kernelChoices) distinct.set(`${c.op}: ${c.choice}`, (distinct.get(`${c.op}: ${c.choice}`) ?? 0) + 1);
    for (const [k, n] of [...distinct].sort()) log(`  ${k}  x${n}`);
  }
  if (m.profile) log(formatProfile(m.profile));
  console.log(formatMeasurement(m));
  return 0;
}
