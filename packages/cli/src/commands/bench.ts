/**
 * `dogo bench`: images/s and GFLOP/s of one DoGo training step of a benchmark cohort (the reference pair, or the
 * paper's ResNet-18 / ResNet-50 pair) on one of our backends (bench/dogo_step.ts), with the step's layout and
 * planned memory per executable, kernel tuning (--tune) and a per-kernel, per-layer profile (--profile). The
 * comparison with PyTorch and tfjs is benchmarks/dogo-step/run.mjs, not this.
 */
import { Command } from 'commander';
import { TUNE_MODES, type TuneMode } from '@dogo/core';
import { selectBackend, selectMemberBackends } from '../backends.js';
import { DOGO_STEP_PRESETS, REFERENCE_BACKEND_BENCH, describeStepModel, dogoStepFlops, formatMeasurement, measureDogoStep } from '../bench/dogo_step.js';
import { formatProfile } from '../bench/profile_report.js';
import { memoryLines } from '../train/memory_report.js';
import { ConfigError } from '../train/train_config.js';
import { addFlags, flagValues, type FlagSpec } from '../cli/flags.js';
import { setExitCode } from '../cli/run_state.js';

/** The flags of `dogo bench` (values checked below, naming the flag). */
const BENCH_FLAGS = [
  { flags: '--preset <name>', type: 'string', help: 'reference (default): ResNet students 32/64/128 and 64/128/256, two blocks per stage; paper: ResNet-18 student, ResNet-50 peer (CIFAR stem), as in the paper' },
  { flags: '--backend <name>', type: 'string', help: 'auto | wasm | webgpu | reference (default auto: WebGPU on a hardware adapter, else wasm); or one per model, comma-separated (each model its own runtime or device)' },
  { flags: '--batch <n>', type: 'string', help: `images per step (default 256; ${REFERENCE_BACKEND_BENCH.batchSize} on the reference backend, which is slow)` },
  { flags: '--chunk <n|auto>', type: 'string', help: 'chunked steps of N images (default auto: only when the step does not fit in memory)' },
  { flags: '--recompute <mode>', type: 'string', help: 'auto | always | never: recompute activations inside residual blocks in backward' },
  { flags: '--seconds <s>', type: 'string', help: 'time steps for about S seconds (default 20)' },
  { flags: '--warmup <n>', type: 'string', help: 'untimed steps first (default 1)' },
  { flags: '--min-steps <n>', type: 'string', help: `timed steps at least (default 3; ${REFERENCE_BACKEND_BENCH.minSteps} on the reference backend)` },
  { flags: '--threads <n>', type: 'string', help: 'wasm worker threads (default: all cores)' },
  {
    flags: '--tune <mode>', type: 'string',
    help: 'off | quick | full (default quick): time kernel candidates per shape at compile and keep the fastest (wasm: im2col or Winograd F(2x2)/F(4x4)/F(6x6) per convolution; WebGPU: GEMM tilings, split-K factors, stride phases); choices are cached in ~/.cache/dogo/tuning.json (DOGO_CACHE_DIR or XDG_CACHE_HOME move it) and reused; off: fixed rules, as dogo train',
  },
  {
    flags: '--profile', type: 'boolean',
    help: 'after timing, profile one more step: time per kernel kind, per layer and per layer and kernel (wasm: host clock per plan step; WebGPU: GPU timestamps where the adapter has timestamp-query, else one submit per dispatch), each with its share of the step',
  },
  { flags: '--json', type: 'boolean', help: 'print the measurement as JSON instead of the summary' },
] as const satisfies readonly FlagSpec[];

const BENCH_DESCRIPTION = `Times one DoGo training step (forward, backward and Adam update of a student and its peer, two
random-resized-crop views each, 28x28x1 random images) and prints images/s, GFLOP/s, how the step is laid
out and the planned memory of each executable.`;

interface BenchValues {
  preset?: string; backend?: string; batch?: string; chunk?: string; recompute?: string; seconds?: string; warmup?: string; minSteps?: string; threads?: string; tune?: string; profile?: boolean; json?: boolean;
}

/** `dogo bench`: its flags, help and action. */
export function benchCommand(): Command {
  return addFlags(new Command('bench').summary('images/s and GFLOP/s of one DoGo training step').description(BENCH_DESCRIPTION), BENCH_FLAGS)
    .action(async (opts: Record<string, unknown>) => setExitCode(await runBench(flagValues(BENCH_FLAGS, opts) as BenchValues)));
}

function num(v: string | undefined, flag: string, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new ConfigError(`${flag} expects a positive ${integer ? 'integer' : 'number'}, got "${v}"`);
  return n;
}

async function runBench(values: BenchValues): Promise<number> {
  const preset = DOGO_STEP_PRESETS[values.preset ?? 'reference'];
  if (!preset) throw new ConfigError(`unknown preset "${values.preset}"; choose ${Object.keys(DOGO_STEP_PRESETS).join(' or ')}`);
  const recompute = values.recompute ?? 'auto';
  if (recompute !== 'auto' && recompute !== 'always' && recompute !== 'never') throw new ConfigError(`--recompute expects auto, always or never, got "${recompute}"`);
  const chunk = values.chunk === undefined || values.chunk === 'auto' ? 'auto' : num(values.chunk, '--chunk', true)!;
  const warmup = values.warmup === '0' ? 0 : num(values.warmup, '--warmup', true);
  const threads = num(values.threads, '--threads', true);
  const tune = (values.tune ?? 'quick') as TuneMode;
  if (!TUNE_MODES.includes(tune)) throw new ConfigError(`--tune expects one of ${TUNE_MODES.join(', ')}, got "${values.tune}"`);
  const choice = { tune, ...(threads === undefined ? {} : { threads }) };
  const names = (values.backend ?? 'auto').split(',');
  if (names.length > 1 && names.length !== preset.models.length) throw new ConfigError(`--backend lists ${names.length} backends for ${preset.models.length} models; give one, or one per model`);
  const chosen = names.length > 1 ? await selectMemberBackends(names, choice) : [await selectBackend(names[0]!, choice)];
  const backend = chosen[0]!.backend;
  const isReference = chosen.every((c) => c.backend.name === 'reference');
  const batchSize = num(values.batch, '--batch', true) ?? (isReference ? REFERENCE_BACKEND_BENCH.batchSize : preset.batchSize);
  const spec = { ...preset, batchSize };
  const flops = dogoStepFlops(spec);
  const log = (l: string) => { if (!values.json) console.log(l); };
  log(`backend: ${chosen.map((c, i) => `${names.length > 1 ? `${spec.models[i]!.name} on ` : ''}${c.backend.name} (${c.reason})`).join('; ')}; tuning ${tune}`);
  log(`step: ${spec.models.map((m) => `${m.name} ${describeStepModel(m)}`).join(' + ')}, heads ${spec.headHidden}->${spec.headOut}, ${spec.imageShape.join('x')} inputs, batch ${batchSize}`);
  log(`FLOPs: ${(flops.perImage / 1e9).toFixed(3)} GFLOP per image per step, ${(flops.perStep / 1e9).toFixed(1)} GFLOP per step (forward x3 for backward, x2 views, both models)`);
  const m = await measureDogoStep(backend, spec, {
    seconds: num(values.seconds, '--seconds', false) ?? 20,
    ...(warmup === undefined ? {} : { warmupSteps: warmup }),
    minSteps: num(values.minSteps, '--min-steps', true) ?? (isReference ? REFERENCE_BACKEND_BENCH.minSteps : 3),
    chunk, recompute, ...(names.length > 1 ? { memberBackends: chosen.map((c) => c.backend) } : {}),
    onCompiled: (t) => {
      log(`layout: ${t.reason}`);
      for (const line of memoryLines(t.executables)) log(line);
    },
    onStep: (s) => log(`  ${s.phase} step ${s.index + 1}: ${s.seconds.toFixed(3)} s`),
    profile: values.profile ?? false,
  });
  if (values.json) {
    console.log(JSON.stringify({ reasons: chosen.map((c) => c.reason), tune, spec, ...m }, null, 2));
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
