/**
 * `dogo train`: DoGo pre-training from a config file and/or flags, with the embedded Fashion-MNIST subset
 * by default; `--baseline` also trains each model alone with the same budget and the report compares them.
 * The run folder is locked while the run writes it; SIGINT, SIGTERM and SIGHUP save a checkpoint and exit
 * with 130, 143 and 129 (stop_signals.ts).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend, selectMemberBackends } from '../backends.js';
import { fsStep } from '../fs_errors.js';
import { loadData, DATA_SPECS } from '../train/datasets.js';
import { applyInit, parseInitFlags, type InitSpec } from '../train/member_init.js';
import { buildMember } from '../train/models.js';
import { writeReport } from '../train/report.js';
import { openRunFolder, type RunFolderMode } from '../train/run_folder_setup.js';
import { StopSignals } from '../train/stop_signals.js';
import { ConfigError, mergeConfig, PRESETS, type TrainConfig } from '../train/train_config.js';
import { MAX_THREADS, validateConfig, validatePartialConfig, type KeyNamer } from '../train/train_config_schema.js';
import { normalizationFor, runTraining, type RunResult } from '../train/train_run.js';

export const TRAIN_HELP = `usage: dogo train [options]

  --config FILE          JSON configuration (keys as in the README); flags override it
  --preset NAME          ${Object.keys(PRESETS).join(' | ')} (default: default)
  --data SPEC            ${DATA_SPECS}
  --backend NAME         auto | wasm | webgpu | reference (auto: WebGPU on a hardware adapter, else wasm);
                         or one per model, comma-separated (wasm,wasm: each model its own wasm memory;
                         webgpu,wasm: the first on the GPU, the second on the CPU); models exchange projections
  --chunk N|auto         chunked steps of N images per chunk (GradCache: the loss still sees the whole batch;
                         batch-norm statistics per chunk); auto (default): only when the step does not fit
                         the backend's memory (wasm: 4 GiB), said at start
  --recompute MODE       auto | always | never: recompute activations inside residual blocks in backward
                         instead of keeping them (auto, the default: when nothing fits without)
  --epochs N             epochs over the training split
  --steps N              stop after N steps (overrides --epochs)
  --batch-size N         images per step
  --seed N               seed of initialisation, data order and augmentation
  --out DIR              run folder: metrics.jsonl, checkpoint, report (default runs/latest); locked while
                         a run writes it; a new run needs it empty or new
  --resume               continue the run in --out from its last checkpoint
  --resume-from N        continue from the kept checkpoint of step N (see --keep-checkpoints)
  --overwrite            replace the run in --out (only a run folder: other files are never deleted)
  --baseline             also train each model alone with the same budget, and compare
  --eval-every N         kNN evaluation every N epochs (0: at the end only)
  --checkpoint-every N   checkpoint every N steps (0: at the end and on Ctrl-C, SIGTERM, SIGHUP)
  --keep-checkpoints K   keep the last K checkpoints, so --resume-from can go back (default 1)
  --linear-epochs N      linear-probe epochs in the final evaluation (0: kNN only)
  --shared-views         give every model the same two views
  --reduction R          distillation reduction: mean | batchmean
  --threads N            wasm worker threads, 1 to ${MAX_THREADS} (default: all cores)
  --init NAME=FILE       start model NAME's encoder from a safetensors state dict (\`dogo export\`, or PyTorch /
                         torchvision weights); repeat per model. Strict: missing tensors and extra ones (a
                         classifier's fc.*) are refused by name; shapes are checked; num_batches_tracked is ignored
  --init-non-strict      with --init: load the tensors that fit, keep seeded values for the rest, list both

Ctrl-C, SIGTERM and SIGHUP save a checkpoint after the current step and exit with 130, 143 and 129; a second
Ctrl-C quits at once. A step whose loss or weights become NaN or infinite stops the run with the step, the
tensor and a hint; the last good checkpoint is kept.`;

/** The flag of each configuration key, for messages about values given as flags. */
const FLAGS: Record<string, string> = {
  data: '--data', backend: '--backend', epochs: '--epochs', steps: '--steps', batchSize: '--batch-size', seed: '--seed', out: '--out',
  baseline: '--baseline', evalEvery: '--eval-every', checkpointEvery: '--checkpoint-every', keepCheckpoints: '--keep-checkpoints',
  linearEpochs: '--linear-epochs', sharedViews: '--shared-views', reduction: '--reduction', threads: '--threads', chunk: '--chunk', recompute: '--recompute',
};
const flagName: KeyNamer = (p) => FLAGS[String(p[0])] ?? `--${String(p[0])}`;

/** A numeric flag's text as a number when it is one; anything else is passed on for the schema to refuse by name. */
function num(v: string | undefined): number | string | undefined {
  if (v === undefined) return undefined;
  return v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
}

/** A JSON configuration file, parsed and checked against the schema (every key at fault is named). */
export function readConfigFile(file: string): Partial<TrainConfig> {
  if (!existsSync(file)) throw new ConfigError(`config file ${file} not found`);
  const text = fsStep('read the config file', file, () => readFileSync(file, 'utf8'));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return validatePartialConfig(value, `config file ${file}`);
}

export interface TrainArgs {
  config: TrainConfig;
  mode: RunFolderMode;
  /** With --resume-from: the kept checkpoint to continue from. */
  resumeFrom?: number;
  /** --init: encoders to start from files. */
  init: InitSpec[];
  /** Not --init-non-strict. */
  initStrict: boolean;
}

export function parseTrainArgs(args: string[]): TrainArgs {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      config: { type: 'string' }, preset: { type: 'string' }, data: { type: 'string' }, backend: { type: 'string' },
      epochs: { type: 'string' }, steps: { type: 'string' }, 'batch-size': { type: 'string' }, seed: { type: 'string' },
      out: { type: 'string' }, resume: { type: 'boolean' }, 'resume-from': { type: 'string' }, overwrite: { type: 'boolean' }, baseline: { type: 'boolean' },
      'eval-every': { type: 'string' }, 'checkpoint-every': { type: 'string' }, 'keep-checkpoints': { type: 'string' }, 'linear-epochs': { type: 'string' },
      'shared-views': { type: 'boolean' }, reduction: { type: 'string' }, threads: { type: 'string' }, chunk: { type: 'string' }, recompute: { type: 'string' },
      init: { type: 'string', multiple: true }, 'init-non-strict': { type: 'boolean' },
    },
  });
  const presetName = values.preset ?? 'default';
  const preset = PRESETS[presetName];
  if (!preset) throw new ConfigError(`unknown preset "${presetName}"; choose ${Object.keys(PRESETS).join(', ')}`);
  const file = values.config ? readConfigFile(values.config) : {};
  const given: Record<string, unknown> = {
    data: values.data, backend: values.backend, epochs: num(values.epochs), steps: num(values.steps), batchSize: num(values['batch-size']), seed: num(values.seed),
    out: values.out, baseline: values.baseline, evalEvery: num(values['eval-every']), checkpointEvery: num(values['checkpoint-every']),
    keepCheckpoints: num(values['keep-checkpoints']), linearEpochs: num(values['linear-epochs']), sharedViews: values['shared-views'],
    reduction: values.reduction, threads: num(values.threads), chunk: num(values.chunk), recompute: values.recompute,
  };
  const flags = validatePartialConfig(Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)), 'flags', flagName);
  const config = validateConfig(mergeConfig(preset, file, flags), values.config ? `config file ${values.config} with flags` : 'configuration');
  let resumeFrom: number | undefined;
  if (values['resume-from'] !== undefined) {
    resumeFrom = Number(values['resume-from']);
    if (!Number.isInteger(resumeFrom) || resumeFrom < 0) throw new ConfigError(`--resume-from must be a step number (an integer >= 0), got "${values['resume-from']}"`);
  }
  const resume = values.resume === true || resumeFrom !== undefined;
  if (resume && values.overwrite) throw new ConfigError('--resume and --overwrite exclude each other: continue the run in --out, or replace it');
  const initFlags = values.init ?? [];
  if (resume && initFlags.length) {
    throw new ConfigError('--init and --resume exclude each other: a resumed run continues from its checkpoint\'s weights; start a new run (another --out, or --overwrite) to begin from the file');
  }
  if (values['init-non-strict'] && !initFlags.length) throw new ConfigError('--init-non-strict applies to --init NAME=FILE; give the file to load');
  const init = parseInitFlags(initFlags, config.models.map((m) => m.name));
  return { config, mode: resume ? 'resume' : values.overwrite ? 'overwrite' : 'new', ...(resumeFrom !== undefined ? { resumeFrom } : {}), init, initStrict: !values['init-non-strict'] };
}

/** The folder of model `name`'s baseline run, ready for it: resumed if it has a checkpoint and the cohort resumed, else started afresh. */
function prepareBaselineFolder(dir: string, resumeCohort: boolean): boolean {
  if (resumeCohort && existsSync(path.join(dir, 'checkpoint.json'))) return true;
  // Inside the cohort's locked folder: whatever is here is an unfinished baseline of this run.
  fsStep('clear the baseline folder', dir, () => rmSync(dir, { recursive: true, force: true }));
  return false;
}

export async function trainCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(TRAIN_HELP);
    return 0;
  }
  const { config, mode, resumeFrom, init, initStrict } = parseTrainArgs(args);
  const data = await loadData(config.data, config.trainSubset);
  const names = config.backend.split(',');
  const threads = config.threads === undefined ? {} : { threads: config.threads };
  const chosen = names.length > 1 ? await selectMemberBackends(names, threads) : [await selectBackend(names[0]!, threads)];
  const backend = chosen[0]!.backend;
  const memberBackends = names.length > 1 ? chosen.map((c) => c.backend) : undefined;
  console.log(`data: ${data.description}`);
  if (memberBackends) console.log(`backends: ${config.models.map((m, i) => `${m.name} on ${chosen[i]!.backend.name} (${chosen[i]!.reason})`).join('; ')}`);
  else console.log(`backend: ${backend.name} (${chosen[0]!.reason})`);
  console.log(`models: ${config.models.map((m) => `${m.name} = ${m.arch}${m.stages ? ` [${m.stages.join(',')}]x${m.blocks ?? 2}` : ''}, lambda ${m.lambda}, ${m.optimizer.kind} lr ${m.optimizer.lr}`).join('; ')}`);
  // Every run of the command (the cohort and each baseline) starts from the same files, read before the run
  // folder is touched so a file that does not fit leaves it as it was.
  const build = (models: typeof config.models, log: boolean) => {
    const members = models.map((m) => buildMember(m, data.train.channels));
    const lines = applyInit(members, init, initStrict, normalizationFor(data.train));
    if (log) for (const l of lines) console.log(l);
    return members;
  };
  const members = build(config.models, true);
  const lock = openRunFolder(config.out, mode);
  const stop = new StopSignals();
  try {
    const common = { backend, data, log: (l: string) => console.log(l), stop };
    const cohort = await runTraining({
      ...common, config, members, outDir: config.out, resume: mode === 'resume', ...(resumeFrom !== undefined ? { resumeFrom } : {}), ...(memberBackends ? { memberBackends } : {}),
    });
    if (cohort.interrupted) return stop.exitCode;
    const baselines: Record<string, RunResult> = {};
    if (config.baseline && config.models.length > 1) {
      for (const [i, m] of config.models.entries()) {
        console.log(`baseline: ${m.name} alone, same budget`);
        const single = { ...config, models: [m], backend: names[i] ?? config.backend };
        const own = memberBackends ? { backend: memberBackends[i]! } : {};
        const dir = path.join(config.out, `baseline-${m.name}`);
        const resume = prepareBaselineFolder(dir, mode === 'resume');
        fsStep('create the baseline folder', dir, () => mkdirSync(dir, { recursive: true }));
        const r = await runTraining({ ...common, ...own, config: single, members: build([m], false), outDir: dir, resume });
        if (r.interrupted) return stop.exitCode;
        baselines[m.name] = r;
      }
    }
    for (const m of config.models) {
      const f = cohort.final[m.name]!;
      const b = baselines[m.name]?.final[m.name];
      const parts = [`kNN ${(100 * f.knn).toFixed(2)}%`];
      if (f.linear !== undefined) parts.push(`linear ${(100 * f.linear).toFixed(2)}%`, `10% labels ${(100 * f.label10!).toFixed(2)}%`, `1% labels ${(100 * f.label1!).toFixed(2)}%`);
      if (b) parts.push(`(alone: kNN ${(100 * b.knn).toFixed(2)}%${b.linear !== undefined ? `, linear ${(100 * b.linear).toFixed(2)}%` : ''})`);
      console.log(`${m.name}: ${parts.join(', ')}`);
    }
    const report = fsStep('write the report in', config.out, () => writeReport(config.out, {
      config, dataDescription: data.description, backendName: backend.name, cohort, baselines, command: `dogo train ${args.join(' ')}`.trim(),
    }));
    console.log(`report: ${report}`);
    return 0;
  } finally {
    stop.disarm();
    lock.release();
  }
}
