/**
 * `dogo study`: trains the DoGo cohort and each model alone with the same budget over S seeds, runs every
 * evaluation (kNN, linear, 1% and 10% labels, noisy labels, shifted test sets) and writes one report.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { shiftedTestSets } from '@dogo/data';
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
import { writeStudyReport, type StudyResult, type StudyRun } from '../study/study_report.js';

export async function studyCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args, strict: true,
    options: { 'ood-data': { type: 'string' }, config: { type: 'string' }, preset: { type: 'string', default: 'quick' }, seeds: { type: 'string' }, out: { type: 'string' }, backend: { type: 'string' }, data: { type: 'string' }, epochs: { type: 'string' } },
  });
  const preset = STUDY_PRESETS[values.preset!];
  if (!preset) throw new ConfigError(`unknown study preset "${values.preset}"; choose ${Object.keys(STUDY_PRESETS).join(', ')}`);
  const seeds = values.seeds ? Number(values.seeds) : preset.seeds;
  if (!Number.isInteger(seeds) || seeds < 1) throw new ConfigError(`--seeds must be a positive integer, got ${values.seeds}`);
  const file = values.config ? readConfigFile(values.config) : {};
  const base = validateConfig(mergeConfig(values.preset === 'full' ? PRESETS['paper']! : {}, preset.train, file, {
    ...(values.backend ? { backend: values.backend as 'auto' } : {}), ...(values.data ? { data: values.data } : {}), ...(values.epochs ? { epochs: Number(values.epochs) } : {}),
    evalEvery: 1, linearEpochs: 0, checkpointEvery: 0,
  }), 'study');
  const out = values.out ?? path.join('docs', 'results', `study-${values.preset}`);
  mkdirSync(out, { recursive: true });
  const data = await loadData(base.data);
  const { backend, reason } = await selectBackend(base.backend, { threads: base.threads });
  console.log(`study "${values.preset}": ${preset.description}; ${seeds} seed(s); backend ${backend.name} (${reason}); data ${data.description}`);
  const shifted = shiftedTestSets(data.test, { seed: 1234, severities: preset.severities });
  if (values['ood-data']) {
    // Another dataset's test split in the same label space (e.g. a re-collected test set), probed as is.
    const other = await loadData(values['ood-data']);
    const t = other.test;
    if (t.channels !== data.test.channels || t.height !== data.test.height || t.width !== data.test.width || t.classes.length !== data.test.classes.length) {
      throw new ConfigError(`--ood-data ${values['ood-data']}: its test split is ${t.channels}x${t.height}x${t.width} with ${t.classes.length} classes; it must match the training data (${data.test.channels}x${data.test.height}x${data.test.width}, ${data.test.classes.length} classes)`);
    }
    shifted[`dataset ${values['ood-data']}`] = t;
  }
  const norm = normalizationFor(data.train);
  const t0 = performance.now();
  const runs: StudyRun[] = [];
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
  for (let s = 0; s < seeds; s++) {
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
  }
  const result: StudyResult = {
    command: `dogo study ${args.join(' ')}`.trim(), preset: values.preset!, description: preset.description, data: data.description, backend: backend.name,
    models: base.models.map((m) => m.name), runs, seconds: (performance.now() - t0) / 1000,
    machine: { cores: os.availableParallelism(), node: process.version, cpu: os.cpus()[0]?.model ?? '?' },
  };
  console.log(`report: ${writeStudyReport(out, result)}`);
  return 0;
}
