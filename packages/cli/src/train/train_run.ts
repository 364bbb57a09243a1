/**
 * One training run of a cohort: data order, steps with progress and a JSONL metrics log, periodic kNN
 * evaluation and checkpoints, stopping on a signal (checkpoint, then return), resume, and the final evaluation.
 * Used by `dogo train` for the DoGo cohort and, with one model, for each --baseline run. The caller opens
 * (locks and prepares) the run folder first: run_folder_setup.ts.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { planBytes, type Backend } from '@dogo/core';
import { BatchLoader, type Dataset } from '@dogo/data';
import {
  CohortTrainer, extractFeatures, featureGraph, knnAccuracy, linearProbe, fewLabelProbe,
  FASHION_MNIST_NORMALIZATION, type CohortMember, type Normalization, type FeatureSet,
} from '@dogo/ssl';
import { fsStep } from '../fs_errors.js';
import { Progress } from './progress.js';
import { memoryLines } from './memory_report.js';
import { resumeRun, saveRunCheckpoint } from './run_checkpoint.js';
import type { StopControl } from './stop_signals.js';
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
  /** Training throughput and seconds over the whole run (every session of a resumed run; set when training ends). */
  imagesPerSecond: number;
  seconds: number;
  /** Stopped by a signal after saving a checkpoint. */
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
  /** Signals: armed while training; once one is received the run checkpoints and returns after the current step. */
  stop: StopControl;
  /** Resume from this kept checkpoint instead of the last one (with `resume`). */
  resumeFrom?: number;
  /** Run the final kNN/linear/few-label evaluation (default true; `dogo study` evaluates on its own). */
  finalEval?: boolean;
}

export type MetricRecord =
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

/** The input normalisation of a run by its image channels: Fashion-MNIST's for one channel, (x/255-0.5)/0.25 for RGB. */
export function normalizationFor(d: { readonly channels: number }): Normalization {
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
      r.linear = linearProbe(tr, te, { classes, epochs: config.linearEpochs, seed: config.seed }).accuracy;
      r.label10 = fewLabelProbe(tr, te, { classes, fraction: 0.1, seed: config.seed }).accuracy;
      r.label1 = fewLabelProbe(tr, te, { classes, fraction: 0.01, seed: config.seed }).accuracy;
    }
    out[m.name] = r;
  }
  return out;
}


/** Lets pending signal handlers and I/O run: a wasm step keeps the main thread busy, so the loop yields between steps. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function readPreviousConfig(outDir: string): TrainConfig | undefined {
  try {
    return JSON.parse(readFileSync(path.join(outDir, 'config.json'), 'utf8')) as TrainConfig;
  } catch {
    return undefined;
  }
}

export async function runTraining(o: RunOptions): Promise<RunResult> {
  const { config } = o;
  const { train } = o.data;
  const loader = new BatchLoader(train, { batchSize: config.batchSize, seed: config.seed });
  const totalSteps = config.steps ?? config.epochs * loader.batchesPerEpoch;
  const cohort = {
    members: o.members, batchSize: config.batchSize, imageShape: [train.channels, train.height, train.width] as const,
    temperature: config.temperature, kdTemperature: config.kdTemperature, reduction: config.reduction, sharedViews: config.sharedViews,
    normalization: normalizationFor(train),
  };
  o.stop.arm();
  // evaluation compiles the encoders beside the step: keep room for the largest
  const reserveBytes = Math.max(0, ...o.members.map((m) => planBytes(o.backend.plan(featureGraph(m.encoder, cohort.imageShape, cohort.normalization).spec)).total));
  const trainer = await CohortTrainer.create(o.backend, cohort, {
    seed: config.seed, totalSteps, reserveBytes,
    ...(config.chunk === undefined ? {} : { chunk: config.chunk }), ...(config.recompute === undefined ? {} : { recompute: config.recompute }),
    ...(o.memberBackends ? { memberBackends: o.memberBackends } : {}),
  });
  o.log(`step: ${trainer.reason}`);
  for (const line of memoryLines(trainer.executables)) o.log(line);
  const parts = { config, train, trainer, loader, totalSteps, outDir: o.outDir };
  const metricsFile = path.join(o.outDir, 'metrics.jsonl');
  const append = (record: object) => fsStep('append to', metricsFile, () => appendFileSync(metricsFile, JSON.stringify(record) + '\n'));
  const result: RunResult = { steps: [], knnCurve: [], final: {}, imagesPerSecond: 0, seconds: 0, interrupted: false };
  // Training time of earlier sessions of this run (resume), so throughput covers the whole run.
  let before = { images: 0, seconds: 0 };
  try {
    if (o.resume) {
      const r = await resumeRun(parts, o.resumeFrom, readPreviousConfig(o.outDir));
      before = { images: r.images, seconds: r.seconds };
      // Steps logged after the checkpoint are run again, so their log lines go.
      const kept = readMetrics(metricsFile).filter((m) => (m.type === 'step' ? m.step < r.manifest.step : m.type === 'knn' && m.step <= r.manifest.step));
      fsStep('rewrite', metricsFile, () => writeFileSync(metricsFile, kept.map((m) => JSON.stringify(m) + '\n').join('')));
      for (const m of kept) {
        if (m.type === 'step') result.steps.push({ step: m.step, losses: m.losses });
        else if (m.type === 'knn') result.knnCurve.push({ epoch: m.epoch, step: m.step, acc: m.acc });
      }
      o.log(`resumed from ${o.outDir} at step ${r.manifest.step}`);
    } else {
      const write = (name: string, text: string) => fsStep('write', path.join(o.outDir, name), () => writeFileSync(path.join(o.outDir, name), text));
      write('metrics.jsonl', '');
      write('config.json', JSON.stringify(config, null, 2));
      write('run.json', JSON.stringify({ imageShape: [train.channels, train.height, train.width], classes: train.classes, data: train.name }, null, 2));
    }
    const progress = new Progress();
    const t0 = performance.now();
    let imagesSeen = 0;
    const timeSoFar = () => ({ images: before.images + imagesSeen, seconds: before.seconds + (performance.now() - t0) / 1000 });
    const checkpoint = () => saveRunCheckpoint(parts, timeSoFar());
    while (trainer.stepIndex < totalSteps) {
      await yieldToEventLoop();
      if (o.stop.requested()) {
        await checkpoint();
        progress.done();
        o.log(`interrupted: checkpoint saved at step ${trainer.stepIndex} in ${o.outDir}; continue with --resume`);
        result.interrupted = true;
        return result;
      }
      const batch = await loader.next();
      const m = await trainer.trainStep(batch.images);
      imagesSeen += batch.size;
      const rec = { step: m.step, epoch: batch.epoch, losses: Object.fromEntries(Object.entries(m.losses).map(([k, v]) => [k, { loss: v.loss, ssl: v.ssl, ...(v.kd !== undefined ? { kd: v.kd } : {}) }])) };
      result.steps.push(rec);
      append({ type: 'step', ...rec, lr: Object.fromEntries(Object.entries(m.losses).map(([k, v]) => [k, v.lr])) });
      const secs = (performance.now() - t0) / 1000;
      progress.update({
        step: trainer.stepIndex, total: totalSteps, imagesPerSecond: imagesSeen / secs, stepsPerSecond: imagesSeen / config.batchSize / secs,
        losses: Object.fromEntries(Object.entries(m.losses).map(([k, v]) => [k, v.loss])),
      });
      const epochEnded = loader.getState().position === 0;
      if (epochEnded && config.evalEvery > 0 && (batch.epoch + 1) % config.evalEvery === 0 && trainer.stepIndex < totalSteps) {
        const ev = await evaluateEncoders(o.backend, config, o.members, (name) => trainer.encoderState(name), o.data, false);
        const acc = Object.fromEntries(Object.entries(ev).map(([k, v]) => [k, v.knn]));
        result.knnCurve.push({ epoch: batch.epoch + 1, step: trainer.stepIndex, acc });
        append({ type: 'knn', epoch: batch.epoch + 1, step: trainer.stepIndex, acc });
        progress.log(`epoch ${batch.epoch + 1}: kNN accuracy ${Object.entries(acc).map(([k, v]) => `${k} ${(100 * v).toFixed(2)}%`).join(', ')}`);
      }
      if (config.checkpointEvery > 0 && trainer.stepIndex % config.checkpointEvery === 0 && trainer.stepIndex < totalSteps) await checkpoint();
    }
    progress.done();
    const total = timeSoFar();
    result.seconds = total.seconds;
    result.imagesPerSecond = total.seconds > 0 ? total.images / total.seconds : 0;
    await checkpoint();
    // Everything is saved: from here a signal ends the process at once (a resume only re-runs the evaluation).
    o.stop.disarm();
    if (o.finalEval === false) return result;
    result.final = await evaluateEncoders(o.backend, config, o.members, (name) => trainer.encoderState(name), o.data, true);
    const epochs = Math.round((totalSteps / loader.batchesPerEpoch) * 100) / 100;
    result.knnCurve.push({ epoch: epochs, step: trainer.stepIndex, acc: Object.fromEntries(Object.entries(result.final).map(([k, v]) => [k, v.knn])) });
    append({ type: 'final', step: trainer.stepIndex, results: result.final, imagesPerSecond: result.imagesPerSecond });
    return result;
  } finally {
    loader.close();
    trainer.destroy();
  }
}
