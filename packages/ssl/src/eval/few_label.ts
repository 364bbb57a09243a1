/**
 * Few-label evaluation: a linear probe on a class-balanced 1% or 10% of the training labels, the paper's
 * semi-supervised metric. With 50 labelled images the usual probe is mostly noise: holding 15% out to pick the
 * epoch leaves 7 images to pick it on (an SD of 1.7 points from the probe's seed alone), and 30 epochs of one
 * mini-batch each are far from converged. So this probe holds nothing out, trains to its plateau, and averages the
 * test accuracy over several label subsets drawn from the seed. Which 50 images keep their labels moves the
 * accuracy by 2 to 3 points, so small subsets are drawn many times; they are also the cheap ones to probe
 * (measured with `tools/study/probe_noise.mjs`, docs/study.md).
 */
import { balancedSubset, linearProbe, selectRows } from './linear_probe.js';
import type { FeatureSet } from './features.js';

/**
 * The probe's settings where the options leave them out; the study report and tools/study quote these.
 * Steps: `maxSteps`, or `maxEpochs` passes of `batchSize` rows if those are fewer (the plateau at 1% and 10% of
 * the decide preset's data: 50 labelled rows reach it by 250 steps, 500 rows by about 4000). Subsets: as many as
 * hold `labelledRows` rows together, at least `minSubsets`: 40 subsets of 50 rows, 5 of 500 or more. Both rules
 * keep the cost of a probe about the same for any subset size.
 */
export const FEW_LABEL_DEFAULTS = { maxSteps: 4000, maxEpochs: 500, batchSize: 64, labelledRows: 2000, minSubsets: 5, weightDecay: 1e-2 } as const;

export interface FewLabelOptions {
  classes: number;
  /** Share of the training rows that keep their labels, per class (0.01 for the paper's 1%). */
  fraction: number;
  seed: number;
  /** Label subsets drawn and averaged over (default: enough to hold 2000 labelled rows together, at least 5). */
  subsets?: number;
  /** Optimizer steps of each probe (default 4000, or 500 epochs if fewer: Adam at lr 1e-3, mini-batches of 64). */
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
  /** Optimizer steps of each subset's probe (at least this many: whole epochs are trained). */
  steps: number;
}

/** The default step budget and subset count for subsets of `rows` labelled rows (FEW_LABEL_DEFAULTS' rules). */
export function fewLabelBudget(rows: number): { steps: number; subsets: number } {
  const d = FEW_LABEL_DEFAULTS;
  return {
    steps: Math.min(d.maxSteps, d.maxEpochs * Math.ceil(rows / d.batchSize)),
    subsets: Math.max(d.minSubsets, Math.ceil(d.labelledRows / rows)),
  };
}

export function fewLabelProbe(train: FeatureSet, test: FeatureSet, o: FewLabelOptions): FewLabelResult {
  if (!(o.fraction > 0 && o.fraction <= 1)) throw new RangeError(`fewLabelProbe: fraction must be in (0, 1], got ${o.fraction}`);
  if (o.subsets !== undefined && !(Number.isInteger(o.subsets) && o.subsets >= 1)) throw new RangeError(`fewLabelProbe: subsets must be a positive integer, got ${o.subsets}`);
  // Every draw has the same size (a rounded share of each class), so the first one sizes the budget.
  const first = balancedSubset(train.labels, o.classes, o.fraction, o.seed, 0);
  const budget = fewLabelBudget(first.length);
  const subsets = o.subsets ?? budget.subsets;
  const steps = o.steps ?? budget.steps;
  const probe = { classes: o.classes, steps, batchSize: FEW_LABEL_DEFAULTS.batchSize, weightDecay: o.weightDecay ?? FEW_LABEL_DEFAULTS.weightDecay, holdout: 0 };
  const picks = [first, ...Array.from({ length: subsets - 1 }, (_, i) => balancedSubset(train.labels, o.classes, o.fraction, o.seed, i + 1))];
  const perSubset = picks.map((rows, draw) => linearProbe(selectRows(train, rows), test, { ...probe, seed: o.seed + draw }).accuracy);
  return { accuracy: perSubset.reduce((a, x) => a + x, 0) / subsets, perSubset, rows: first.length, steps };
}
