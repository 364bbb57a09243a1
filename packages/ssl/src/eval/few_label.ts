/**
 * Few-label evaluation: a linear probe on a class-balanced 1% or 10% of the training labels, the paper's
 * semi-supervised metric. With 50 labelled images the usual probe is mostly noise: holding 15% out to pick the
 * epoch leaves 7 images to pick it on (an SD of 1.7 points from the probe's seed alone), and 30 epochs of one
 * mini-batch each are far from converged. So this probe holds nothing out, trains a fixed number of optimizer
 * steps whatever the subset's size (enough to reach the plateau at 1% and 10% of the decide preset's data,
 * `tools/study/probe_noise.mjs`), and averages the test accuracy over several label subsets drawn from the seed.
 */
import { balancedSubset, linearProbe, selectRows } from './linear_probe.js';
import type { FeatureSet } from './features.js';

/** The probe's settings where the options leave them out; the study report and tools/study quote these. */
export const FEW_LABEL_DEFAULTS = { subsets: 5, steps: 4000, weightDecay: 1e-2 } as const;

export interface FewLabelOptions {
  classes: number;
  /** Share of the training rows that keep their labels, per class (0.01 for the paper's 1%). */
  fraction: number;
  seed: number;
  /** Label subsets drawn and averaged over (default 5). */
  subsets?: number;
  /** Optimizer steps of each probe (default 4000: Adam at lr 1e-3, mini-batches of 64). */
  steps?: number;
  /** L2 penalty of the probe's weights (default 1e-2): keeps a probe on separable few-label data from drifting. */
  weightDecay?: number;
}

export interface FewLabelResult {
  /** Mean test accuracy (0..1) over the subsets. */
  accuracy: number;
  /** Test accuracy of each subset's probe, in draw order. */
  perSubset: number[];
  /** Labelled rows per subset. */
  rows: number;
}

export function fewLabelProbe(train: FeatureSet, test: FeatureSet, o: FewLabelOptions): FewLabelResult {
  if (!(o.fraction > 0 && o.fraction <= 1)) throw new RangeError(`fewLabelProbe: fraction must be in (0, 1], got ${o.fraction}`);
  const subsets = o.subsets ?? FEW_LABEL_DEFAULTS.subsets;
  if (!Number.isInteger(subsets) || subsets < 1) throw new RangeError(`fewLabelProbe: subsets must be a positive integer, got ${subsets}`);
  const probe = { classes: o.classes, steps: o.steps ?? FEW_LABEL_DEFAULTS.steps, weightDecay: o.weightDecay ?? FEW_LABEL_DEFAULTS.weightDecay, holdout: 0 };
  const picks = Array.from({ length: subsets }, (_, draw) => balancedSubset(train.labels, o.classes, o.fraction, o.seed, draw));
  const perSubset = picks.map((rows, draw) => linearProbe(selectRows(train, rows), test, { ...probe, seed: o.seed + draw }).accuracy);
  return { accuracy: perSubset.reduce((a, x) => a + x, 0) / subsets, perSubset, rows: picks[0]!.length };
}
