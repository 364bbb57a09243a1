/**
 * `dogo bench`: images/s and GFLOP/s of one DoGo training step of the benchmark's reference cohort on one of
 * our backends (bench/dogo_step.ts). The comparison with tfjs is benchmarks/dogo-step/run.mjs, not this.
 */
import { Command } from 'commander';
import { selectBackend } from '../backends.js';
import { DOGO_STEP_REFERENCE, REFERENCE_BACKEND_BENCH, dogoStepFlops, formatMeasurement, measureDogoStep } from '../bench/dogo_step.js';
import { ConfigError } from '../train/train_config.js';
import { addFlags, flagValues, type FlagSpec } from '../cli/flags.js';
import { setExitCode } from '../cli/run_state.js';

/** The flags of `dogo bench`. */
const BENCH_FLAGS = [
  { flags: '--backend <name>', type: 'string', help: 'auto | wasm | webgpu | reference (default auto: WebGPU on a hardware adapter, else wasm)' },
  { flags: '--batch <n>', type: 'string', help: `images per step (default ${DOGO_STEP_REFERENCE.batchSize}; ${REFERENCE_BACKEND_BENCH.batchSize} on the reference backend, which is slow)` },
  { flags: '--seconds <s>', type: 'string', help: 'time steps for about S seconds (default 20)' },
  { flags: '--warmup <n>', type: 'string', help: 'untimed steps first (default 1)' },
  { flags: '--min-steps <n>', type: 'string', help: `timed steps at least (default 3; ${REFERENCE_BACKEND_BENCH.minSteps} on the reference backend)` },
  { flags: '--threads <n>', type: 'string', help: 'wasm worker threads (default: all cores)' },
  { flags: '--json', type: 'boolean', help: 'print the measurement as JSON instead of the summary' },
] as const satisfies readonly FlagSpec[];

const BENCH_DESCRIPTION = `Times one DoGo training step (forward, backward and Adam update of a ResNet student 32/64/128 and its peer
64/128/256, two random-resized-crop views each, 28x28x1 random images) and prints images/s and GFLOP/s.`;

/** \`dogo bench\`: its flags, help and action. */
export function benchCommand(): Command {
  return addFlags(new Command('bench').summary('images/s and GFLOP/s of one DoGo training step').description(BENCH_DESCRIPTION), BENCH_FLAGS)
    .action(async (opts: Record<string, unknown>) => setExitCode(await runBench(flagValues(BENCH_FLAGS, opts) as BenchValues)));
}

interface BenchValues { backend?: string; batch?: string; seconds?: string; warmup?: string; minSteps?: string; threads?: string; json?: boolean }

function num(v: string | undefined, flag: string, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new ConfigError(`${flag} expects a positive ${integer ? 'integer' : 'number'}, got "${v}"`);
  return n;
}

async function runBench(values: BenchValues): Promise<number> {
  const warmup = values.warmup === '0' ? 0 : num(values.warmup, '--warmup', true);
  const threads = num(values.threads, '--threads', true);
  const { backend, reason } = await selectBackend(values.backend ?? 'auto', threads === undefined ? {} : { threads });
  const isReference = backend.name === 'reference';
  const batchSize = num(values.batch, '--batch', true) ?? (isReference ? REFERENCE_BACKEND_BENCH.batchSize : DOGO_STEP_REFERENCE.batchSize);
  const spec = { ...DOGO_STEP_REFERENCE, batchSize };
  const flops = dogoStepFlops(spec);
  const log = (l: string) => { if (!values.json) console.log(l); };
  log(`backend: ${backend.name} (${reason})`);
  log(`step: ${spec.models.map((m) => `${m.name} resnetSmall [${m.stageChannels.join(',')}]x${m.blocksPerStage}`).join(' + ')}, heads ${spec.headHidden}->${spec.headOut}, ${spec.imageShape.join('x')} inputs, batch ${batchSize}`);
  log(`FLOPs: ${(flops.perImage / 1e9).toFixed(3)} GFLOP per image per step, ${(flops.perStep / 1e9).toFixed(1)} GFLOP per step (forward x3 for backward, x2 views, both models)`);
  const m = await measureDogoStep(backend, spec, {
    seconds: num(values.seconds, '--seconds', false) ?? 20,
    ...(warmup === undefined ? {} : { warmupSteps: warmup }),
    minSteps: num(values.minSteps, '--min-steps', true) ?? (isReference ? REFERENCE_BACKEND_BENCH.minSteps : 3),
    onStep: (s) => log(`  ${s.phase} step ${s.index + 1}: ${s.seconds.toFixed(3)} s`),
  });
  if (values.json) {
    console.log(JSON.stringify({ reason, spec, ...m }, null, 2));
  } else {
    console.log(formatMeasurement(m));
  }
  return 0;
}
