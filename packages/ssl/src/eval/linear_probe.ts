/**
 * Linear evaluation on frozen features: a linear classifier trained with cross entropy (Adam, mini-batches),
 * 15% of the training features held out to pick the best epoch, as the released DoGo code does. Runs on the
 * host: the features are small next to the encoder, and the result does not depend on a backend.
 * With `holdout: 0` it trains for the whole budget and scores the last epoch (what few-label probes need:
 * see few_label.ts).
 */
import { Rng } from '@dogo/core';
import type { FeatureSet } from './features.js';

export interface LinearProbeOptions {
  classes: number;
  /** Passes over the training rows (default 100); ignored when `steps` is given. */
  epochs?: number;
  /**
   * Optimizer steps instead of epochs: as many epochs as it takes to make at least this many steps. A budget in
   * steps trains a 50-row and a 5000-row set equally far (an epoch of 50 rows is one mini-batch).
   */
  steps?: number;
  lr?: number;
  batchSize?: number;
  weightDecay?: number;
  /** Fraction of the training set held out to choose the epoch (default 0.15; 0 uses the last epoch). */
  holdout?: number;
  seed?: number;
}

export interface LinearProbeResult {
  /** Test top-1 accuracy (0..1) at the chosen epoch. */
  accuracy: number;
  bestEpoch: number;
  /** Held-out accuracy at the chosen epoch. */
  validation: number;
}

/** Feature standardisation fitted on the training rows (mean 0, std 1 per dimension). */
function standardize(train: Float32Array, dim: number): (x: Float32Array) => Float32Array {
  const n = train.length / dim;
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let r = 0; r < n; r++) for (let d = 0; d < dim; d++) {
    const v = train[r * dim + d]!;
    mean[d]! += v;
    sq[d]! += v * v;
  }
  const std = new Float64Array(dim);
  for (let d = 0; d < dim; d++) {
    mean[d]! /= Math.max(n, 1);
    std[d] = Math.sqrt(Math.max(sq[d]! / Math.max(n, 1) - mean[d]! ** 2, 0)) + 1e-6;
  }
  return (x) => {
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = (x[i]! - mean[i % dim]!) / std[i % dim]!;
    return out;
  };
}

function predictAccuracy(w: Float64Array, b: Float64Array, x: Float32Array, labels: Int32Array, rows: ArrayLike<number>, dim: number, classes: number): number {
  let correct = 0;
  for (let t = 0; t < rows.length; t++) {
    const r = rows[t]!;
    let best = 0;
    let bestV = -Infinity;
    for (let c = 0; c < classes; c++) {
      let s = b[c]!;
      for (let d = 0; d < dim; d++) s += w[c * dim + d]! * x[r * dim + d]!;
      if (s > bestV) {
        bestV = s;
        best = c;
      }
    }
    if (best === labels[r]) correct++;
  }
  return rows.length === 0 ? 0 : correct / rows.length;
}

export function linearProbe(train: FeatureSet, test: FeatureSet, o: LinearProbeOptions): LinearProbeResult {
  const { dim } = train;
  const C = o.classes;
  const lr = o.lr ?? 1e-3;
  const bs = o.batchSize ?? 64;
  const wd = o.weightDecay ?? 0;
  const rng = new Rng(o.seed ?? 0).fork('linear_probe');
  const order = Int32Array.from({ length: train.count }, (_, i) => i);
  rng.shuffle(order);
  const nHold = Math.floor(train.count * (o.holdout ?? 0.15));
  const hold = order.subarray(0, nHold);
  const fit = Int32Array.from(order.subarray(nHold));
  if (fit.length === 0) throw new RangeError(`linearProbe: no training rows left to fit (${train.count} rows, holdout ${o.holdout ?? 0.15})`);
  const epochs = o.steps !== undefined ? Math.ceil(o.steps / Math.ceil(fit.length / bs)) : (o.epochs ?? 100);
  const norm = standardize(train.features, dim);
  const xtr = norm(train.features);
  const xte = norm(test.features);
  const w = new Float64Array(C * dim);
  const b = new Float64Array(C);
  const mw = new Float64Array(C * dim), vw = new Float64Array(C * dim), mb = new Float64Array(C), vb = new Float64Array(C);
  const gw = new Float64Array(C * dim), gb = new Float64Array(C);
  const logits = new Float64Array(C);
  const allTest = Int32Array.from({ length: test.count }, (_, i) => i);
  let t = 0;
  let best = { accuracy: 0, bestEpoch: -1, validation: -1 };
  for (let e = 0; e < epochs; e++) {
    rng.shuffle(fit);
    for (let s = 0; s < fit.length; s += bs) {
      const rows = fit.subarray(s, Math.min(s + bs, fit.length));
      gw.fill(0);
      gb.fill(0);
      for (const r of rows) {
        let mx = -Infinity;
        for (let c = 0; c < C; c++) {
          let v = b[c]!;
          for (let d = 0; d < dim; d++) v += w[c * dim + d]! * xtr[r * dim + d]!;
          logits[c] = v;
          if (v > mx) mx = v;
        }
        let z = 0;
        for (let c = 0; c < C; c++) z += (logits[c] = Math.exp(logits[c]! - mx));
        for (let c = 0; c < C; c++) {
          const g = (logits[c]! / z - (c === train.labels[r] ? 1 : 0)) / rows.length;
          gb[c]! += g;
          for (let d = 0; d < dim; d++) gw[c * dim + d]! += g * xtr[r * dim + d]!;
        }
      }
      t++;
      const c1 = 1 - 0.9 ** t, c2 = 1 - 0.999 ** t;
      const adamStep = (p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, decay: number) => {
        for (let i = 0; i < p.length; i++) {
          const gi = g[i]! + decay * p[i]!;
          m[i] = 0.9 * m[i]! + 0.1 * gi;
          v[i] = 0.999 * v[i]! + 0.001 * gi * gi;
          p[i]! -= (lr * m[i]! / c1) / (Math.sqrt(v[i]! / c2) + 1e-8);
        }
      };
      adamStep(w, gw, mw, vw, wd);
      adamStep(b, gb, mb, vb, 0);
    }
    if (nHold === 0) continue;
    const val = predictAccuracy(w, b, xtr, train.labels, hold, dim, C);
    if (val > best.validation) best = { accuracy: predictAccuracy(w, b, xte, test.labels, allTest, dim, C), bestEpoch: e, validation: val };
  }
  // Without a holdout there is nothing to choose by: the test set is scored once, after the last epoch.
  if (nHold === 0) best = { accuracy: predictAccuracy(w, b, xte, test.labels, allTest, dim, C), bestEpoch: epochs - 1, validation: Number.NaN };
  return best;
}

/**
 * A class-balanced subset of `fraction` of the rows (at least one per class), drawn from a seed; `draw` picks
 * one of several independent subsets for the same seed (draw 0 is the subset dogo has always drawn).
 */
export function balancedSubset(labels: Int32Array, classes: number, fraction: number, seed: number, draw = 0): Int32Array {
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  labels.forEach((l, i) => byClass[l]!.push(i));
  const base = new Rng(seed).fork('few_label');
  const rng = draw === 0 ? base : base.fork(draw);
  const out: number[] = [];
  for (const rows of byClass) {
    const arr = Int32Array.from(rows);
    rng.shuffle(arr);
    out.push(...arr.subarray(0, Math.max(1, Math.round(rows.length * fraction))));
  }
  return Int32Array.from(out.sort((a, b) => a - b));
}

export function selectRows(f: FeatureSet, rows: Int32Array): FeatureSet {
  const features = new Float32Array(rows.length * f.dim);
  const labels = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    features.set(f.features.subarray(r * f.dim, (r + 1) * f.dim), i * f.dim);
    labels[i] = f.labels[r]!;
  });
  return { features, labels, count: rows.length, dim: f.dim };
}
