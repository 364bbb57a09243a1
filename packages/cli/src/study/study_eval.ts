/**
 * Every evaluation of one trained encoder: kNN, linear probe, 1% and 10% labels, noisy labels (20/40/60%) and
 * linear probes on shifted test sets, from one extraction of features per dataset.
 */
import type { Backend } from '@dogo/core';
import type { Dataset } from '@dogo/data';
import type { Module } from '@dogo/nn';
import { extractFeatures, fewLabelProbe, knnAccuracy, robustnessReport, type FeatureSet, type Normalization } from '@dogo/ssl';

export interface EncoderScores {
  knn: number;
  linear: number;
  label10: number;
  label1: number;
  /** Noise rate -> accuracy with that fraction of training labels corrupted. */
  noisy: Record<string, number>;
  /** Shifted set name -> accuracy of the probe trained on clean features. */
  ood: Record<string, number>;
}

export async function scoreEncoder(
  backend: Backend, encoder: Module, weights: Record<string, Float32Array>, data: { train: Dataset; test: Dataset; shifted: Record<string, Dataset> },
  o: { normalization: Normalization; knnK: number; probeEpochs: number; seed: number },
): Promise<EncoderScores> {
  const classes = data.train.classes.length;
  const feats = (d: Dataset) => extractFeatures(backend, encoder, weights, d, o.normalization);
  const train = await feats(data.train);
  const test = await feats(data.test);
  const shifted: Record<string, FeatureSet> = {};
  for (const [name, d] of Object.entries(data.shifted)) shifted[name] = await feats(d);
  // Few labels: the converged, subset-averaged probe of few_label.ts, not the epoch-picking one (docs/study.md).
  const fewLabels = (fraction: number) => fewLabelProbe(train, test, { classes, fraction, seed: o.seed }).accuracy;
  const robust = robustnessReport({ train, test, shifted }, { classes, seed: o.seed, probe: { epochs: o.probeEpochs } });
  return {
    knn: knnAccuracy(train, test, { k: o.knnK, classes }),
    linear: robust.clean.accuracy,
    label10: fewLabels(0.1),
    label1: fewLabels(0.01),
    noisy: Object.fromEntries(robust.noisyLabels.map((r) => [`${Math.round(r.rate * 100)}%`, r.accuracy])),
    ood: Object.fromEntries(robust.ood.map((r) => [r.name, r.accuracy])),
  };
}
