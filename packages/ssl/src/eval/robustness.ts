/**
 * Robustness of frozen features, by linear probes (`linearProbe`): with noisy training labels (symmetric noise at
 * 20/40/60% by default, test labels clean) and out of distribution (a probe fitted on clean training features,
 * tested on features of shifted test sets, e.g. `shiftedTestSets` from @dogo/data through `extractFeatures`).
 * Public. Returns a plain JSON-able object. It extracts no features and corrupts no images itself.
 *
 * The held-out split that picks the probe's epoch is drawn from the (possibly noisy) training labels, as it would
 * be in practice. The probe is deterministic for a seed and never sees test rows while fitting, so the OOD
 * accuracies are one and the same probe evaluated on each set (it is refitted per set, since `linearProbe`
 * returns an accuracy, not the classifier; the chosen epoch is checked to agree).
 */
import type { FeatureSet } from './features.js';
import { linearProbe, type LinearProbeOptions, type LinearProbeResult } from './linear_probe.js';
import { corruptLabels, labelDisagreement } from './noisy_labels.js';

export interface RobustnessFeatures {
  /** Clean training features and labels (the probe's training set). */
  train: FeatureSet;
  /** Clean test features and labels. */
  test: FeatureSet;
  /** Features of shifted test sets by name (e.g. `gaussian_noise/3`), labels clean. */
  shifted?: Readonly<Record<string, FeatureSet>>;
}

export interface RobustnessOptions {
  classes: number;
  /** Training-label noise rates (default [0.2, 0.4, 0.6]). */
  noiseRates?: readonly number[];
  /** Seed of the label noise and of every probe (default 0). */
  seed?: number;
  /** Probe settings besides classes and seed (epochs, lr, batchSize, weightDecay, holdout); linearProbe's defaults otherwise. */
  probe?: Omit<LinearProbeOptions, 'classes' | 'seed'>;
}

export interface ProbeSummary {
  /** Top-1 accuracy (0..1) on clean test labels. */
  accuracy: number;
  bestEpoch: number;
  /** Held-out accuracy at the chosen epoch (on training labels, noisy where they are); null without a holdout. */
  validation: number | null;
}

export interface RobustnessReport {
  classes: number;
  /** 1 / classes. */
  chance: number;
  trainCount: number;
  testCount: number;
  dim: number;
  seed: number;
  /** Probe on clean training labels, clean test set. */
  clean: ProbeSummary;
  /** One probe per noise rate, trained on corrupted labels, tested on clean ones. */
  noisyLabels: (ProbeSummary & { rate: number; realizedRate: number })[];
  /** The clean probe on each shifted test set; drop = clean accuracy - accuracy. */
  ood: { name: string; count: number; accuracy: number; drop: number }[];
}

function summary(r: LinearProbeResult): ProbeSummary {
  return { accuracy: r.accuracy, bestEpoch: r.bestEpoch, validation: Number.isFinite(r.validation) ? r.validation : null };
}

function checkSet(name: string, f: FeatureSet, dim: number, classes: number): void {
  if (f.dim !== dim || f.features.length !== f.count * f.dim || f.labels.length !== f.count) {
    throw new RangeError(`robustnessReport: ${name} has ${f.count} rows of dim ${f.dim} (${f.features.length} values, ${f.labels.length} labels); expected dim ${dim} like the training features`);
  }
  for (let i = 0; i < f.count; i++) {
    if (!(f.labels[i]! >= 0 && f.labels[i]! < classes)) throw new RangeError(`robustnessReport: ${name} label ${f.labels[i]} at row ${i} is outside [0, ${classes})`);
  }
}

/** Linear-probe accuracies under label noise and under distribution shift, on frozen features. */
export function robustnessReport(sets: RobustnessFeatures, o: RobustnessOptions): RobustnessReport {
  const { train, test } = sets;
  const seed = o.seed ?? 0;
  const rates = o.noiseRates ?? [0.2, 0.4, 0.6];
  checkSet('train', train, train.dim, o.classes);
  checkSet('test', test, train.dim, o.classes);
  const shifted = Object.entries(sets.shifted ?? {});
  for (const [name, f] of shifted) checkSet(`shifted set "${name}"`, f, train.dim, o.classes);
  const probe = (tr: FeatureSet, te: FeatureSet) => linearProbe(tr, te, { ...o.probe, classes: o.classes, seed });

  const cleanRun = probe(train, test);
  const clean = summary(cleanRun);
  const noisyLabels = rates.map((rate) => {
    const labels = corruptLabels(train.labels, o.classes, rate, seed);
    return { rate, realizedRate: labelDisagreement(labels, train.labels), ...summary(probe({ ...train, labels }, test)) };
  });
  const ood = shifted.map(([name, f]) => {
    const r = probe(train, f);
    if (r.bestEpoch !== cleanRun.bestEpoch) throw new Error(`robustnessReport: the probe for "${name}" chose epoch ${r.bestEpoch}, the clean one ${cleanRun.bestEpoch}; linearProbe is no longer deterministic for a seed`);
    return { name, count: f.count, accuracy: r.accuracy, drop: clean.accuracy - r.accuracy };
  });
  return { classes: o.classes, chance: 1 / o.classes, trainCount: train.count, testCount: test.count, dim: train.dim, seed, clean, noisyLabels, ood };
}
