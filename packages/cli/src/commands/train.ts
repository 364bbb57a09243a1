/**
 * `dogo train`: DoGo pre-training from a config file and/or flags, with the embedded Fashion-MNIST subset
 * by default; `--baseline` also trains each model alone with the same budget and the report compares them.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend, selectMemberBackends } from '../backends.js';
import { loadData, DATA_SPECS } from '../train/datasets.js';
import { buildMember } from '../train/models.js';
import { writeReport } from '../train/report.js';
import { ConfigError, mergeConfig, PRESETS, validateConfig, type TrainConfig } from '../train/train_config.js';
import { runTraining, type RunResult } from '../train/train_run.js';

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
  --out DIR              run folder: metrics.jsonl, checkpoint, report (default runs/latest)
  --resume               continue the run in --out from its last checkpoint
  --baseline             also train each model alone with the same budget, and compare
  --eval-every N         kNN evaluation every N epochs (0: at the end only)
  --checkpoint-every N   checkpoint every N steps (0: at the end and on Ctrl-C)
  --linear-epochs N      linear-probe epochs in the final evaluation (0: kNN only)
  --shared-views         give every model the same two views
  --reduction R          distillation reduction: mean | batchmean
  --threads N            wasm worker threads (default: all cores)`;

function int(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new ConfigError(`${flag} expects an integer, got "${v}"`);
  return n;
}

/** A JSON configuration file, parsed; its keys are checked when merged. */
export function readConfigFile(file: string): Partial<TrainConfig> {
  if (!existsSync(file)) throw new ConfigError(`config file ${file} not found`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Partial<TrainConfig>;
  } catch (e) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

export function parseTrainArgs(args: string[]): { config: TrainConfig; resume: boolean } {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      config: { type: 'string' }, preset: { type: 'string' }, data: { type: 'string' }, backend: { type: 'string' },
      epochs: { type: 'string' }, steps: { type: 'string' }, 'batch-size': { type: 'string' }, seed: { type: 'string' },
      out: { type: 'string' }, resume: { type: 'boolean' }, baseline: { type: 'boolean' }, 'eval-every': { type: 'string' },
      'checkpoint-every': { type: 'string' }, 'linear-epochs': { type: 'string' }, 'shared-views': { type: 'boolean' },
      reduction: { type: 'string' }, threads: { type: 'string' }, chunk: { type: 'string' }, recompute: { type: 'string' },
    },
  });
  const presetName = values.preset ?? 'default';
  const preset = PRESETS[presetName];
  if (!preset) throw new ConfigError(`unknown preset "${presetName}"; choose ${Object.keys(PRESETS).join(', ')}`);
  let file: Partial<TrainConfig> = {};
  if (values.config) {
    file = readConfigFile(values.config);
    validateConfig(mergeConfig(preset, file), `config file ${values.config}`);
  }
  const flags: Partial<TrainConfig> = {
    data: values.data, backend: values.backend as TrainConfig['backend'] | undefined, epochs: int(values.epochs, '--epochs'), steps: int(values.steps, '--steps'),
    batchSize: int(values['batch-size'], '--batch-size'), seed: int(values.seed, '--seed'), out: values.out, baseline: values.baseline,
    evalEvery: int(values['eval-every'], '--eval-every'), checkpointEvery: int(values['checkpoint-every'], '--checkpoint-every'),
    linearEpochs: int(values['linear-epochs'], '--linear-epochs'), sharedViews: values['shared-views'], reduction: values.reduction as TrainConfig['reduction'] | undefined,
    threads: int(values.threads, '--threads'), chunk: values.chunk === 'auto' ? 'auto' : int(values.chunk, '--chunk'),
    recompute: values.recompute as TrainConfig['recompute'],
  };
  return { config: validateConfig(mergeConfig(preset, file, flags), 'flags'), resume: values.resume ?? false };
}

export async function trainCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(TRAIN_HELP);
    return 0;
  }
  const { config, resume } = parseTrainArgs(args);
  const data = await loadData(config.data);
  const names = config.backend.split(',');
  const threads = config.threads === undefined ? {} : { threads: config.threads };
  const chosen = names.length > 1 ? await selectMemberBackends(names, threads) : [await selectBackend(names[0]!, threads)];
  const backend = chosen[0]!.backend;
  const memberBackends = names.length > 1 ? chosen.map((c) => c.backend) : undefined;
  console.log(`data: ${data.description}`);
  if (memberBackends) console.log(`backends: ${config.models.map((m, i) => `${m.name} on ${chosen[i]!.backend.name} (${chosen[i]!.reason})`).join('; ')}`);
  else console.log(`backend: ${backend.name} (${chosen[0]!.reason})`);
  console.log(`models: ${config.models.map((m) => `${m.name} = ${m.arch}${m.stages ? ` [${m.stages.join(',')}]x${m.blocks ?? 2}` : ''}, lambda ${m.lambda}, ${m.optimizer.kind} lr ${m.optimizer.lr}`).join('; ')}`);
  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);
    stop = true;
    console.log('\nCtrl-C: saving a checkpoint after this step (press again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  try {
    const common = { backend, data, log: (l: string) => console.log(l), stopRequested: () => stop };
    const members = config.models.map((m) => buildMember(m, data.train.channels));
    const cohort = await runTraining({ ...common, config, members, outDir: config.out, resume, ...(memberBackends ? { memberBackends } : {}) });
    if (cohort.interrupted) return 130;
    const baselines: Record<string, RunResult> = {};
    if (config.baseline && config.models.length > 1) {
      for (const [i, m] of config.models.entries()) {
        console.log(`baseline: ${m.name} alone, same budget`);
        const single = { ...config, models: [m], backend: names[i] ?? config.backend };
        const own = memberBackends ? { backend: memberBackends[i]!, memberBackends: [memberBackends[i]!] } : {};
        const r = await runTraining({ ...common, ...own, config: single, members: [buildMember(m, data.train.channels)], outDir: path.join(config.out, `baseline-${m.name}`), resume: false });
        if (r.interrupted) return 130;
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
    const report = writeReport(config.out, {
      config, dataDescription: data.description, backendName: backend.name, cohort, baselines, command: `dogo train ${args.join(' ')}`.trim(),
    });
    console.log(`report: ${report}`);
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
