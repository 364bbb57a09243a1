/**
 * `dogo train`: DoGo pre-training from a config file and/or flags, with the embedded Fashion-MNIST subset
 * by default; `--baseline` also trains each model alone with the same budget and the report compares them.
 * The run folder is locked while the run writes it; SIGINT, SIGTERM and SIGHUP save a checkpoint and exit
 * with 130, 143 and 129 (stop_signals.ts).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { selectBackend, selectMemberBackends } from '../backends.js';
import { fsStep } from '../fs_errors.js';
import { loadData } from '../train/datasets.js';
import { applyInit, parseInitFlags, type InitSpec } from '../train/member_init.js';
import { buildMember } from '../train/models.js';
import { writeReport } from '../train/report.js';
import { openRunFolder, type RunFolderMode } from '../train/run_folder_setup.js';
import { StopSignals } from '../train/stop_signals.js';
import { ConfigError, mergeConfig, PRESETS, type TrainConfig } from '../train/train_config.js';
import { validateConfig, validatePartialConfig, type KeyNamer } from '../train/train_config_schema.js';
import { CONFIG_FLAGS, RUN_FLAGS, TRAIN_HELP_AFTER } from '../train/train_flags.js';
import { addFlags, flagName as flagNameOf, flagValues, optionKey } from '../cli/flags.js';
import { argsAfter, setExitCode } from '../cli/run_state.js';
import { normalizationFor, runTraining, type RunResult } from '../train/train_run.js';

/** `--batch-size` for `batchSize`: how a configuration key is called in messages about flags. */
const flagName: KeyNamer = (p) => {
  const row = CONFIG_FLAGS.find((f) => optionKey(f) === String(p[0]));
  return row ? flagNameOf(row) : `--${String(p[0])}`;
};

/** The flags of `dogo train` on `cmd` (both tables), with the help's closing paragraph. */
export function defineTrainFlags(cmd: Command): Command {
  addFlags(cmd, RUN_FLAGS);
  addFlags(cmd, CONFIG_FLAGS);
  return cmd.addHelpText('after', TRAIN_HELP_AFTER);
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

/** The run's configuration and folder mode from the values commander parsed for the train flags. */
export function trainArgsFrom(opts: Readonly<Record<string, unknown>>): TrainArgs {
  const run = flagValues(RUN_FLAGS, opts);
  const presetName = String(run['preset'] ?? 'default');
  const preset = PRESETS[presetName];
  if (!preset) throw new ConfigError(`unknown preset "${presetName}"; choose ${Object.keys(PRESETS).join(', ')}`);
  const configFile = run['config'] as string | undefined;
  const file = configFile ? readConfigFile(configFile) : {};
  const flags = validatePartialConfig(flagValues(CONFIG_FLAGS, opts), 'flags', flagName);
  const config = validateConfig(mergeConfig(preset, file, flags), configFile ? `config file ${configFile} with flags` : 'configuration');
  const resumeFrom = run['resumeFrom'];
  if (resumeFrom !== undefined && (typeof resumeFrom !== 'number' || !Number.isInteger(resumeFrom) || resumeFrom < 0)) {
    throw new ConfigError(`--resume-from must be a step number (an integer >= 0), got "${resumeFrom}"`);
  }
  const resume = run['resume'] === true || resumeFrom !== undefined;
  if (resume && run['overwrite']) throw new ConfigError('--resume and --overwrite exclude each other: continue the run in --out, or replace it');
  const initFlags = (run['init'] as string[] | undefined) ?? [];
  if (resume && initFlags.length) {
    throw new ConfigError('--init and --resume exclude each other: a resumed run continues from its checkpoint\'s weights; start a new run (another --out, or --overwrite) to begin from the file');
  }
  if (run['initNonStrict'] && !initFlags.length) throw new ConfigError('--init-non-strict applies to --init NAME=FILE; give the file to load');
  const init = parseInitFlags(initFlags, config.models.map((m) => m.name));
  return { config, mode: resume ? 'resume' : run['overwrite'] ? 'overwrite' : 'new', ...(resumeFrom !== undefined ? { resumeFrom } : {}), init, initStrict: !run['initNonStrict'] };
}

/** Parses `dogo train` arguments (without `train`) as the command does; throws ConfigError naming what is wrong. */
export function parseTrainArgs(args: readonly string[]): TrainArgs {
  const cmd = defineTrainFlags(new Command('train')).exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  try {
    cmd.parse([...args], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) throw new ConfigError(e.message.replace(/^error: /, ''));
    throw e;
  }
  return trainArgsFrom(cmd.opts());
}

/** The folder of model `name`'s baseline run, ready for it: resumed if it has a checkpoint and the cohort resumed, else started afresh. */
function prepareBaselineFolder(dir: string, resumeCohort: boolean): boolean {
  if (resumeCohort && existsSync(path.join(dir, 'checkpoint.json'))) return true;
  // Inside the cohort's locked folder: whatever is here is an unfinished baseline of this run.
  fsStep('clear the baseline folder', dir, () => rmSync(dir, { recursive: true, force: true }));
  return false;
}

/** `dogo train`: its flags, help and action. */
export function trainCommand(): Command {
  const cmd = new Command('train').description('DoGo pre-training on the embedded Fashion-MNIST subset or your data').allowExcessArguments(false);
  return defineTrainFlags(cmd).action(async (opts: Record<string, unknown>) => {
    setExitCode(await runTrain(trainArgsFrom(opts), argsAfter('train')));
  });
}

/** Trains as `args` say; `argv` is recorded in the report. Returns the exit code. */
export async function runTrain(parsed: TrainArgs, args: readonly string[]): Promise<number> {
  const { config, mode, resumeFrom, init, initStrict } = parsed;
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
