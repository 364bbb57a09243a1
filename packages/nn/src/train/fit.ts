/**
 * fit: the supervised loop over a compiled training step: shuffle the labelled samples every epoch (seeded),
 * feed full batches (the last partial batch is left out: the step's shapes are fixed), call back after every
 * epoch. Public. The step decides the model, loss and optimiser; see train_step.ts.
 */
import { Rng } from '@dogo/core';
import type { TrainStep } from './train_step.js';
import { checkData, feedGeometry, gatherRows, pickFeed, samplesOf, type LabeledData } from './labeled_data.js';

/** One finished epoch. */
export interface EpochSummary {
  /** 0-based. */
  epoch: number;
  /** Mean loss over the epoch's steps. */
  loss: number;
  steps: number;
  seconds: number;
}

/** Settings of fit. */
export interface FitOptions {
  epochs: number;
  /** Seed of the epoch order (default 0): epoch e is shuffled by `new Rng(seed).fork('fit').fork(e)`. */
  seed?: number;
  /** The input and label feeds (default: the step's one float32 input and its one int32 input). */
  inputFeed?: string;
  labelFeed?: string;
  /** Called after every epoch (awaited): log, evaluate, save. */
  onEpochEnd?: (summary: EpochSummary) => void | Promise<void>;
}

/** Trains `step` on `data` for `options.epochs` epochs; returns every epoch's summary. */
export async function fit(step: TrainStep, data: LabeledData, options: FitOptions): Promise<EpochSummary[]> {
  const exe = step.executable;
  const names = step.inputNames;
  const inputFeed = pickFeed(exe, names, 'float32', options.inputFeed, 'input');
  const labelFeed = pickFeed(exe, names, 'int32', options.labelFeed, 'label');
  const { batch, sample } = feedGeometry(exe, inputFeed);
  checkData(data, sample);
  const x = new Float32Array(batch * sample);
  const y = new Int32Array(batch);
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  const rng = new Rng(options.seed ?? 0).fork('fit');
  const samples = samplesOf(data);
  const summaries: EpochSummary[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const t0 = performance.now();
    order.sort();
    rng.fork(epoch).shuffle(order);
    let sum = 0;
    let steps = 0;
    for (let from = 0; from + batch <= data.count; from += batch) {
      gatherRows(samples, order, from, batch, sample, x);
      for (let k = 0; k < batch; k++) y[k] = data.labels[order[from + k]!]!;
      sum += (await step.run({ [inputFeed]: x, [labelFeed]: y })).loss;
      steps++;
    }
    const summary = { epoch, loss: steps > 0 ? sum / steps : Number.NaN, steps, seconds: (performance.now() - t0) / 1000 };
    summaries.push(summary);
    await options.onEpochEnd?.(summary);
  }
  return summaries;
}
