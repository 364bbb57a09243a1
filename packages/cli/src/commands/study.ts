/**
 * `dogo study`: trains the DoGo cohort and each model alone with the same budget over S seeds, runs every
 * evaluation (kNN, linear, 1% and 10% labels, noisy labels, shifted test sets) and writes one report with the
 * statistics of the paired differences. `--render DIR` re-renders DIR's report from its study.json.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { firstPerClass, shiftedTestSets } from '@dogo/data';
import { selectBackend } from '../backends.js';
import { loadData } from '../train/datasets.js';
import { buildMember } from '../train/models.js';
import { ConfigError, mergeConfig, PRESETS } from '../train/train_config.js';
import { validateConfig } from '../train/train_config_schema.js';
import { openRunFolder } from '../train/run_folder_setup.js';
import { NEVER_STOP } from '../train/stop_signals.js';
import { readConfigFile } from './train.js';
import { normalizationFor, runTraining } from '../train/train_run.js';
import { readEncoders } from './run_folder.js';
import { scoreEncoder, type EncoderScores } from '../study/study_eval.js';
import { STUDY_PRESETS } from '../study/study_config.js';
import { writeStudyReport } from '../study/study_report.js';
import { readStudyResult, type StudyResult, type StudyRun } from '../study/study_result.js';
import { previousStudy } from '../study/study_resume.js';
import { stopReason } from '../study/study_stop.js';
import { addFlags, flagValues, type FlagSpec } from '../cli/flags.js';
import { argsAfter, setExitCode } from '../cli/run_state.js';

/** The flags of `dogo study`. */
const STUDY_FLAGS = [
  { flags: '--preset <name>', type: 'string', default: 'quick', help: `${Object.keys(STUDY_PRESETS).join(' | ')} (docs/study.md)` },
  { flags: '--seeds <n>', type: 'string', help: 'exactly N seeds (default: the preset\'s stopping rule)' },
  { flags: '--max-minutes <m>', type: 'string', help: 'stop starting new seeds after M minutes (default: the preset\'s)' },
  { flags: '--config <file>', type: 'string', help: 'a dogo train JSON configuration to start from' },
  { flags: '--data <spec>', type: 'string', help: 'training data (as dogo train --data)' },
  { flags: '--ood-data <spec>', type: 'string', help: 'another dataset\'s test split in the same label space, probed as a shifted test set' },
  { flags: '--backend <name>', type: 'string', help: 'auto | wasm | webgpu | reference' },
  { flags: '--epochs <n>', type: 'string', help: 'epochs per run (default: the preset\'s)' },
  { flags: '--out <dir>', type: 'string', help: 'report folder (default docs/results/study-PRESET)' },
  { flags: '--resume', type: 'boolean', help: 'continue the study in --out (stopped or killed): keep its seeds, add more by the same rule' },
  { flags: '--overwrite', type: 'boolean', help: 'replace the study in --out' },
  { flags: '--render <dir>', type: 'string', help: 'only re-render DIR\'s report from its study.json' },
] as const satisfies readonly FlagSpec[];

/** \`dogo study\`: its flags, help and action. */
export function studyCommand(): Command {
  const cmd = new Command('study').description('DoGo versus each model alone over seeds, every evaluation, paired statistics and a verdict per metric');
  return addFlags(cmd, STUDY_FLAGS).action(async (opts: Record<string, unknown>) => {
    setExitCode(await runStudy(flagValues(STUDY_FLAGS, opts) as StudyValues, argsAfter('study')));
  });
}

interface StudyValues { oodData?: string; config?: string; preset?: string; seeds?: string; out?: string; backend?: string; data?: string; epochs?: string; render?: string; maxMinutes?: string; resume?: boolean; overwrite?: boolean }

async function runStudy(values: StudyValues, args: readonly string[]): Promise<number> {
  if (values.render !== undefined) {
    // No training: the report (Markdown, plots, summary and statistics) again from the recorded scores.
    console.log(`report: ${writeStudyReport(values.render, readStudyResult(path.join(values.render, 'study.json')))}`);
    return 0;
  }
  const preset = STUDY_PRESETS[values.preset!];
  if (!preset) throw new ConfigError(`unknown study preset "${values.preset}"; choose ${Object.keys(STUDY_PRESETS).join(', ')}`);
  const seeds = values.seeds ? Number(values.seeds) : preset.seeds;
  if (!Number.isInteger(seeds) || seeds < 1) throw new ConfigError(`--seeds must be a positive integer, got ${values.seeds}`);
  const maxMinutes = values.maxMinutes !== undefined ? Number(values.maxMinutes) : preset.maxMinutes;
  if (maxMinutes !== undefined && !(maxMinutes > 0)) throw new ConfigError(`--max-minutes must be a positive number, got ${values.maxMinutes}`);
  const file = values.config ? readConfigFile(values.config) : {};
  const base = validateConfig(mergeConfig(values.preset === 'full' ? PRESETS['paper']! : {}, preset.train, file, {
    ...(values.backend ? { backend: values.backend as 'auto' } : {}), ...(values.data ? { data: values.data } : {}), ...(values.epochs ? { epochs: Number(values.epochs) } : {}),
    evalEvery: preset.evalEvery ?? 1, linearEpochs: 0, checkpointEvery: 0,
  }), 'study');
  for (const t of values.seeds ? [] : preset.target?.metrics ?? []) {
    if (!base.models.some((m) => m.name === t.model)) throw new ConfigError(`study preset "${values.preset}" stops on ${t.model} ${t.metric}, but no model is named ${t.model}; name one so or pass --seeds N`);
  }
  if (values.resume && values.overwrite) throw new ConfigError('--resume and --overwrite exclude each other: continue the study in --out, or replace it');
  const out = values.out ?? path.join('docs', 'results', `study-${values.preset}`);
  const data = await loadData(base.data, base.trainSubset);
  const { backend, reason } = await selectBackend(base.backend, { threads: base.threads });
  const identity = { preset: values.preset!, data: data.description, backend: backend.name, models: base.models.map((m) => m.name), config: { ...base } as Record<string, unknown> };
  const previous = previousStudy(out, values.resume ? 'resume' : values.overwrite ? 'overwrite' : 'new', identity, base.seed);
  mkdirSync(out, { recursive: true });
  const budget = values.seeds ? '' : [preset.target ? `until the 95% intervals of ${preset.target.metrics.map((m) => `${m.model} ${m.metric}`).join(' and ')} are narrower than ${100 * preset.target.width} points (at least ${preset.target.minSeeds})` : '', maxMinutes ? `within ${maxMinutes} min` : ''].filter(Boolean).join(', ');
  console.log(`study "${values.preset}": ${preset.description}; up to ${seeds} seed(s)${budget ? `, ${budget}` : ''}; backend ${backend.name} (${reason}); data ${data.description}`);
  // The shifted copies can come from a class-balanced part of a large test split, to bound their evaluation cost.
  const shiftSource = preset.shiftTestPerClass ? firstPerClass(data.test, preset.shiftTestPerClass) : data.test;
  const shifted = shiftedTestSets(shiftSource, { seed: 1234, severities: preset.severities });
  if (values.oodData) {
    // Another dataset's test split in the same label space (e.g. a re-collected test set), probed as is.
    const other = await loadData(values.oodData);
    const t = other.test;
    if (t.channels !== data.test.channels || t.height !== data.test.height || t.width !== data.test.width || t.classes.length !== data.test.classes.length) {
      throw new ConfigError(`--ood-data ${values.oodData}: its test split is ${t.channels}x${t.height}x${t.width} with ${t.classes.length} classes; it must match the training data (${data.test.channels}x${data.test.height}x${data.test.width}, ${data.test.classes.length} classes)`);
    }
    shifted[`dataset ${values.oodData}`] = t;
  }
  const norm = normalizationFor(data.train);
  const t0 = performance.now();
  // A resumed study's clock and seeds go on from where it stopped.
  const runs: StudyRun[] = previous ? [...previous.runs] : [];
  const elapsed = () => (previous?.seconds ?? 0) + (performance.now() - t0) / 1000;
  const command = `dogo study ${args.join(' ')}`.trim();
  if (previous) console.log(`resuming the study in ${out}: ${runs.length} seed(s) done (${runs.map((r) => r.seed).join(', ')}) in ${(previous.seconds / 60).toFixed(1)} min`);
  const common = { backend, data, log: (l: string) => console.log(l), stop: NEVER_STOP, resume: false, finalEval: false };
  /** A study's run folders are its own scratch space: each is locked and replaced (never one holding other files). */
  const train = async (o: Omit<Parameters<typeof runTraining>[0], keyof typeof common>) => {
    const lock = openRunFolder(o.outDir, 'overwrite');
    try {
      return await runTraining({ ...common, ...o });
    } finally {
      lock.release();
    }
  };
  const score = async (dir: string, names: string[]) => {
    const { encoders } = readEncoders(dir);
    const res: Record<string, EncoderScores> = {};
    for (const n of names) {
      const mc = base.models.find((m) => m.name === n)!;
      res[n] = await scoreEncoder(backend, buildMember(mc, data.train.channels).encoder, encoders[n]!, { ...data, shifted }, { normalization: norm, knnK: base.knnK, probeEpochs: preset.probeEpochs, seed: base.seed });
    }
    return res;
  };
  const result = (stopped: string): StudyResult => ({
    command: previous ? `${previous.command}; resumed with ${command}` : command, preset: identity.preset, description: preset.description, data: identity.data,
    backend: identity.backend, models: identity.models, runs, seconds: elapsed(), stopped,
    machine: { cores: os.availableParallelism(), node: process.version, cpu: os.cpus()[0]?.model ?? '?' }, config: previous?.config ?? identity.config,
  });
  // --seeds fixes the count; otherwise the preset's target and time budget (--max-minutes) may stop earlier.
  const rule = values.seeds ? { seeds } : { seeds, target: preset.target, maxMinutes };
  // A resumed study may already be done (its target met, or its budget spent): then it only says so.
  let stopped: string | null = previous ? stopReason(rule, runs, elapsed()) : null;
  for (let s = runs.length; stopped === null; s++) {
    const seed = base.seed + s;
    const ts = performance.now();
    const config = { ...base, seed };
    // Run folders (checkpoints, metrics) stay out of the report folder, which is meant to be committed.
    const dir = path.join('runs', `study-${values.preset}`, `seed-${seed}`);
    console.log(`seed ${seed}: DoGo cohort`);
    const cohort = await train({ config: { ...config, out: path.join(dir, 'dogo') }, members: config.models.map((m) => buildMember(m, data.train.channels)), outDir: path.join(dir, 'dogo') });
    const dogo = await score(path.join(dir, 'dogo'), config.models.map((m) => m.name));
    const alone: Record<string, EncoderScores> = {};
    const aloneCurves: Record<string, [number, number][]> = {};
    for (const m of config.models) {
      console.log(`seed ${seed}: ${m.name} alone`);
      const single = { ...config, models: [m], out: path.join(dir, `alone-${m.name}`) };
      const r = await train({ config: single, members: [buildMember(m, data.train.channels)], outDir: single.out });
      Object.assign(alone, await score(single.out, [m.name]));
      aloneCurves[m.name] = r.knnCurve.map((k) => [k.epoch, k.acc[m.name]!]);
    }
    const dogoCurves = Object.fromEntries(config.models.map((m) => [m.name, cohort.knnCurve.map((k) => [k.epoch, k.acc[m.name]!] as [number, number])]));
    // The last curve point is the final kNN accuracy, measured by the scoring pass.
    for (const m of config.models) {
      dogoCurves[m.name]!.push([config.epochs, dogo[m.name]!.knn]);
      aloneCurves[m.name]!.push([config.epochs, alone[m.name]!.knn]);
    }
    runs.push({ seed, dogo, alone, curves: { dogo: dogoCurves, alone: aloneCurves }, seconds: (performance.now() - ts) / 1000 });
    for (const m of config.models) console.log(`  ${m.name}: kNN DoGo ${(100 * dogo[m.name]!.knn).toFixed(2)}% vs alone ${(100 * alone[m.name]!.knn).toFixed(2)}%; linear ${(100 * dogo[m.name]!.linear).toFixed(2)}% vs ${(100 * alone[m.name]!.linear).toFixed(2)}%`);
    stopped = stopReason(rule, runs, elapsed());
    // After every seed, so a stopped or killed study keeps the report of the seeds it finished.
    writeStudyReport(out, result(stopped ?? `running: ${runs.length} seed(s) done`));
  }
  console.log(`stopped: ${stopped}`);
  console.log(`report: ${path.join(out, 'README.md')}`);
  return 0;
}
