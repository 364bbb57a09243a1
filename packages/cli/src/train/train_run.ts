/**
 * One training run of a cohort: data order, steps with progress and a JSONL metrics log, periodic kNN
 * evaluation and checkpoints, Ctrl-C handling (checkpoint, then exit), resume, and the final evaluation.
 * Used by `dogo train` for the DoGo cohort and, with one model, for each --baseline run.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { planBytes, type Backend } from '@dogo/core';
import { BatchLoader, type Dataset } from '@dogo/data';
import {
  CohortTrainer, encodeState, extractFeatures, featureGraph, fingerprint, knnAccuracy, linearProbe, balancedSubset, selectRows,
  FASHION_MNIST_NORMALIZATION, CHECKPOINT_FORMAT, CheckpointError, type CohortMember, type Normalization, type CheckpointManifest, type FeatureSet,
} from '@dogo/ssl';
import { loadCheckpoint, saveCheckpoint } from './checkpoint_files.js';
import { Progress } from './progress.js';
import { memoryLines } from './memory_report.js';
import type { TrainConfig } from './train_config.js';

export interface EvalResult {
  knn: number;
  linear?: number;
  label1?: number;
  label10?: number;
}

export interface RunResult {
  /** Per step: losses per model (loss, ssl, kd). */
  steps: { step: number; losses: Record<string, { loss: number; ssl: number; kd?: number }> }[];
  /** kNN accuracy per model after each evaluation epoch. */
  knnCurve: { epoch: number; step: number; acc: Record<string, number> }[];
  final: Record<string, EvalResult>;
  imagesPerSecond: number;
  seconds: number;
  interrupted: boolean;
}

export interface RunOptions {
  config: TrainConfig;
  members: CohortMember[];
  /** The backend of the step (unless memberBackends) and of evaluation. */
  backend: Backend;
  /** One backend per member: members apart, each in executables on its own backend. */
  memberBackends?: readonly Backend[];
  data: { train: Dataset; test: Dataset };
  outDir: string;
  resume: boolean;
  log: (line: string) => void;
  /** Set by the caller's SIGINT handler; the run checkpoints and stops after the current step. */
  stopRequested: () => boolean;
  /** Run the final kNN/linear/few-label evaluation (default true; `dogo study` evaluates on its own). */
  finalEval?: boolean;
}

type MetricRecord =
  | { type: 'step'; step: number; epoch: number; losses: Record<string, { loss: number; ssl: number; kd?: number }> }
  | { type: 'knn'; step: number; epoch: number; acc: Record<string, number> }
  | { type: 'final'; step: number };

/** The metrics log of a run folder, one record per line; a torn last line (a killed write) is dropped. */
export function readMetrics(file: string): MetricRecord[] {
  if (!existsSync(file)) return [];
  const out: MetricRecord[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as MetricRecord);
    } catch {
      // Only the last line can be torn by a kill; anything unparsable is skipped.
    }
  }
  return out;
}

export function normalizationFor(d: Dataset): Normalization {
  if (d.channels === 1) return FASHION_MNIST_NORMALIZATION;
  return { mean: Array(d.channels).fill(0.5), std: Array(d.channels).fill(0.25) };
}

/** kNN (and with `full` linear, 10% and 1% labels) accuracy of each member's frozen encoder. */
export async function evaluateEncoders(
  backend: Backend, config: TrainConfig, members: readonly CohortMember[], weights: (member: string) => Promise<Record<string, Float32Array>>, data: { train: Dataset; test: Dataset }, full: boolean,
): Promise<Record<string, EvalResult>> {
  const norm = normalizationFor(data.train);
  const classes = data.train.classes.length;
  const out: Record<string, EvalResult> = {};
  for (const m of members) {
    const w = await weights(m.name);
    const tr: FeatureSet = await extractFeatures(backend, m.encoder, w, data.train, norm);
    const te: FeatureSet = await extractFeatures(backend, m.encoder, w, data.test, norm);
    const r: EvalResult = { knn: knnAccuracy(tr, te, { k: config.knnK, classes }) };
    if (full && config.linearEpochs > 0) {
      const probe = (f: FeatureSet) => linearProbe(f, te, { classes, epochs: config.linearEpochs, seed: config.seed }).accuracy;
      r.linear = probe(tr);
      r.label10 = probe(selectRows(tr, balancedSubset(tr.labels, classes, 0.1, config.seed)));
      r.label1 = probe(selectRows(tr, balancedSubset(tr.labels, classes, 0.01, config.seed)));
    }
    out[m.name] = r;
  }
  return out;
}

function evaluate(o: RunOptions, trainer: CohortTrainer, full: boolean): Promise<Record<string, EvalResult>> {
  return evaluateEncoders(o.backend, o.config, o.members, (name) => trainer.encoderState(name), o.data, full);
}

export async function runTraining(o: RunOptions): Promise<RunResult> {
  const { config } = o;
  const { train } = o.data;
  mkdirSync(o.outDir, { recursive: true });
  const loader = new BatchLoader(train, { batchSize: config.batchSize, seed: config.seed });
  const totalSteps = config.steps ?? config.epochs * loader.batchesPerEpoch;
  const cohort = {
    members: o.members, batchSize: config.batchSize, imageShape: [train.channels, train.height, train.width] as const,
    temperature: config.temperature, kdTemperature: config.kdTemperature, reduction: config.reduction, sharedViews: config.sharedViews,
    normalization: normalizationFor(train),
  };
  // chunking changes batch-norm statistics, not the model: a run may resume in another layout
  const configHash = fingerprint({
    ...config, out: undefined, backend: undefined, steps: undefined, epochs: undefined, threads: undefined, chunk: undefined, recompute: undefined, data: train.name, n: train.count,
  });
  // evaluation compiles the encoders beside the step: keep room for the largest
  const reserveBytes = Math.max(0, ...o.members.map((m) => planBytes(o.backend.plan(featureGraph(m.encoder, cohort.imageShape, cohort.normalization).spec)).total));
  const trainer = await CohortTrainer.create(o.backend, cohort, {
    seed: config.seed, totalSteps, reserveBytes,
    ...(config.chunk === undefined ? {} : { chunk: config.chunk }), ...(config.recompute === undefined ? {} : { recompute: config.recompute }),
    ...(o.memberBackends ? { memberBackends: o.memberBackends } : {}),
  });
  o.log(`step: ${trainer.reason}`);
  for (const line of memoryLines(trainer.executables)) o.log(line);
  const metricsFile = path.join(o.outDir, 'metrics.jsonl');
  const result: RunResult = { steps: [], knnCurve: [], final: {}, imagesPerSecond: 0, seconds: 0, interrupted: false };
  if (o.resume) {
    const { manifest, state } = loadCheckpoint(o.outDir);
    if (manifest.configHash !== configHash) throw new CheckpointError(`${o.outDir}: the checkpoint was written by a run with another configuration (hash ${manifest.configHash}, this run ${configHash}); resume with the same settings or choose another --out`);
    await trainer.writeAllState(state);
    trainer.stepIndex = manifest.step;
    trainer.setRngState(manifest.rng);
    loader.setState(manifest.loader);
    // Steps logged after the checkpoint are run again, so their log lines go.
    const kept = readMetrics(metricsFile).filter((r) => (r.type === 'step' ? r.step < manifest.step : r.type === 'knn' && r.step <= manifest.step));
    writeFileSync(metricsFile, kept.map((r) => JSON.stringify(r) + '\n').join(''));
    for (const r of kept) {
      if (r.type === 'step') result.steps.push({ step: r.step, losses: r.losses });
      else if (r.type === 'knn') result.knnCurve.push({ epoch: r.epoch, step: r.step, acc: r.acc });
    }
    o.log(`resumed from ${o.outDir} at step ${manifest.step}`);
  } else {
    writeFileSync(metricsFile, '');
    writeFileSync(path.join(o.outDir, 'config.json'), JSON.stringify(config, null, 2));
    writeFileSync(path.join(o.outDir, 'run.json'), JSON.stringify({ imageShape: [train.channels, train.height, train.width], classes: train.classes, data: train.name }, null, 2));
  }
  const checkpoint = async () => {
    const manifest: CheckpointManifest = {
      format: CHECKPOINT_FORMAT, step: trainer.stepIndex, loader: loader.getState(), rng: trainer.getRngState(),
      tensors: `step-${trainer.stepIndex}.safetensors`, configHash,
    };
    saveCheckpoint(o.outDir, manifest, encodeState(await trainer.readAllState()));
  };

  const progress = new Progress();
  const t0 = performance.now();
  let imagesSeen = 0;
  try {
    while (trainer.stepIndex < totalSteps) {
      const batch = await loader.next();
      const m = await trainer.trainStep(batch.images);
      imagesSeen += batch.size;
      const rec = { step: m.step, epoch: batch.epoch, losses: Object.fromEntries(Object.entries(m.losses).map(([k, v]) => [k, { loss: v.loss, ssl: v.ssl, ...(v.kd !== undefined ? { kd: v.kd } : {}) }])) };
      result.steps.push(rec);
      appendFileSync(metricsFile, JSON.stringify({ type: 'step', ...rec, lr: Object.fromEntries(Object.entries(m.losses).map(([k, v]) => [k, v.lr])) }) + '\n');
      const secs = (performance.now() - t0) / 1000;
      progress.update({
        step: trainer.stepIndex, total: totalSteps, imagesPerSecond: imagesSeen / secs, stepsPerSecond: imagesSeen / config.batchSize / secs,
        losses: Object.fromEntries(Object.entries(m.losses).map(([k, v]) => [k, v.loss])),
      });
      const epochEnded = loader.getState().position === 0;
      if (epochEnded && config.evalEvery > 0 && (batch.epoch + 1) % config.evalEvery === 0 && trainer.stepIndex < totalSteps) {
        const ev = await evaluate(o, trainer, false);
        const acc = Object.fromEntries(Object.entries(ev).map(([k, v]) => [k, v.knn]));
        result.knnCurve.push({ epoch: batch.epoch + 1, step: trainer.stepIndex, acc });
        appendFileSync(metricsFile, JSON.stringify({ type: 'knn', epoch: batch.epoch + 1, step: trainer.stepIndex, acc }) + '\n');
        progress.log(`epoch ${batch.epoch + 1}: kNN accuracy ${Object.entries(acc).map(([k, v]) => `${k} ${(100 * v).toFixed(2)}%`).join(', ')}`);
      }
      if (o.stopRequested()) {
        await checkpoint();
        progress.done();
        o.log(`interrupted: checkpoint saved at step ${trainer.stepIndex} in ${o.outDir}; continue with --resume`);
        result.interrupted = true;
        return result;
      }
      if (config.checkpointEvery > 0 && trainer.stepIndex % config.checkpointEvery === 0 && trainer.stepIndex < totalSteps) await checkpoint();
    }
    progress.done();
    result.seconds = (performance.now() - t0) / 1000;
    result.imagesPerSecond = imagesSeen / Math.max(result.seconds, 1e-9);
    await checkpoint();
    if (o.finalEval === false) return result;
    result.final = await evaluate(o, trainer, true);
    const epochs = Math.round((totalSteps / loader.batchesPerEpoch) * 100) / 100;
    result.knnCurve.push({ epoch: epochs, step: trainer.stepIndex, acc: Object.fromEntries(Object.entries(result.final).map(([k, v]) => [k, v.knn])) });
    appendFileSync(metricsFile, JSON.stringify({ type: 'final', step: trainer.stepIndex, results: result.final, imagesPerSecond: result.imagesPerSecond }) + '\n');
    return result;
  } finally {
    loader.close();
    trainer.destroy();
  }
}
