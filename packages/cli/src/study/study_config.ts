/** `dogo study` presets: the same cohort and budget as `dogo train`, over several seeds, with every evaluation. */
import type { TrainConfig } from '../train/train_config.js';
import type { StopTarget } from './study_stop.js';

export interface StudyPreset {
  /** Overrides of the training configuration. */
  train: Partial<TrainConfig>;
  seeds: number;
  /** Shift severities for the out-of-distribution sets (1..5). */
  severities: number[];
  /** Linear-probe epochs for every probe of the study. */
  probeEpochs: number;
  /** kNN curve point every this many epochs during training (default 1; the final point comes from scoring). */
  evalEvery?: number;
  /** Shifted test sets from the first N test images of each class (default: the whole test split). */
  shiftTestPerClass?: number;
  /** Stop adding seeds (before `seeds`) once these intervals are narrow enough; --seeds turns it off. */
  target?: StopTarget;
  /** Start no seed that would end after this many minutes; --seeds turns it off. */
  maxMinutes?: number;
  description: string;
}

export const STUDY_PRESETS: Record<string, StudyPreset> = {
  /** Sized for a 2-core CPU with no GPU: under 30 minutes on the embedded Fashion-MNIST subset. */
  quick: { train: { epochs: 6 }, seeds: 2, severities: [3], probeEpochs: 30, description: 'embedded subset, default pair, 6 epochs, 2 seeds' },
  /**
   * Sized to decide on a 2-core CPU in about 2 hours (how: docs/study.md): quick's training (the same 5000 images,
   * taken from the full Fashion-MNIST, 6 epochs) scored on the full 10000-image test set, seeds until the student's
   * kNN and 1%-label intervals are narrower than 1.5 points (at least 10 seeds) or 135 minutes (the third run met
   * the target at 28 seeds, about 127 minutes at its per-seed time); no kNN curve points during training (each
   * cost as much as an epoch).
   */
  decide: {
    train: { data: 'fashion-mnist', trainSubset: 5000, epochs: 6 }, seeds: 40, severities: [3], probeEpochs: 30, evalEvery: 0, shiftTestPerClass: 200,
    target: { metrics: [{ model: 'student', metric: 'kNN' }, { model: 'student', metric: '1% labels' }], width: 0.015, minSeeds: 10 }, maxMinutes: 135,
    description: 'default pair, 6 epochs on the first 5000 Fashion-MNIST training images, scored on the full 10000-image test set (shifted sets from 2000 of them), seeds until the student kNN and 1%-label 95% intervals are narrower than 1.5 points (at least 10) or 135 minutes',
  },
  /** For a GPU: the full Fashion-MNIST, ResNet-18 beside ResNet-50 as in the paper preset. */
  full: { train: { data: 'fashion-mnist', epochs: 100 }, seeds: 3, severities: [1, 3, 5], probeEpochs: 100, description: 'full Fashion-MNIST, paper pair, 100 epochs, 3 seeds' },
};
